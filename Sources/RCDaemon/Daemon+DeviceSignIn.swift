import RCHTTP
import RCOAuth

/// The device code sign-in's two faces besides the journal: the `signin` control reply and the
/// account's `/signin/NAME` page.
extension Daemon {
    /// `signin NAME [device]` of a device flow: `device: on any device open URI and enter CODE
    /// (it expires in N s)` once the provider has given the codes, or `error: ...`.
    func deviceSignIn(_ account: Account, reply: @escaping (String) -> Void) {
        account.startDeviceSignIn { answer in
            switch answer {
            case .pending(let authorization, let expiresIn):
                reply("device: \(authorization.instructions) (the code expires in \(expiresIn) s)")
            case .failed(let message):
                reply("error: " + message)
            }
        }
    }

    /// `/signin/NAME` of a `device_code` account: the page that says where to go and which code
    /// to enter, with the flow started if none is under way.
    func deviceSignInPage(_ account: Account, _ respond: @escaping HTTPListener.Respond) {
        account.startDeviceSignIn { answer in
            switch answer {
            case .pending(let authorization, let expiresIn):
                let link = HTML.escape(authorization.verificationURIComplete ?? authorization.verificationURI)
                let body = """
                    <p>On any device, open <a href="\(link)" rel="noreferrer">\(HTML.escape(authorization.verificationURI))</a> \
                    and enter this code:</p><p><code>\(HTML.escape(authorization.userCode))</code></p>\
                    <p class="muted">The code expires in \(expiresIn) s. redirect-catcher signs \(HTML.escape(account.name)) in \
                    as soon as you have finished; this page does not change.</p>
                    """
                respond(Page.response(status: 200, html: Page.render(title: "Sign in to \(account.name)", tone: .info, body: body)))
            case .failed(let message):
                respond(Page.error(status: 502, title: "No device code", detail: message))
            }
        }
    }
}
