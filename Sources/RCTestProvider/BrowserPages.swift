import RCHTTP

/// The pages a person sees at the test provider: sign-in, errors, and the form_post bridge.
/// Self-contained (inline CSS, no external resources) so the demo works offline, and light or
/// dark to match the person's system.
enum BrowserPages {
    private static let style = """
        :root { color-scheme: light dark; --bg: #f5f6f8; --card: #ffffff; --text: #1b1f24; --muted: #5b6570;
          --accent: #0a5bd3; --accent-text: #ffffff; --border: #d5dae0; --danger: #b42318; }
        @media (prefers-color-scheme: dark) {
          :root { --bg: #111418; --card: #1b2027; --text: #e8ebef; --muted: #9aa5b1; --accent: #5b9dff;
            --accent-text: #0b1220; --border: #313843; --danger: #ff8a80; } }
        * { box-sizing: border-box; }
        body { margin: 0; min-height: 100vh; display: flex; align-items: center; justify-content: center;
          background: var(--bg); color: var(--text); font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; }
        main { width: min(28rem, calc(100vw - 2rem)); background: var(--card); border: 1px solid var(--border);
          border-radius: 12px; padding: 2rem; }
        h1 { font-size: 1.35rem; margin: 0 0 1rem; }
        p { margin: 0.5rem 0; }
        dl { display: grid; grid-template-columns: auto 1fr; gap: 0.25rem 1rem; margin: 1rem 0; }
        dt { color: var(--muted); }
        dd { margin: 0; overflow-wrap: anywhere; font-family: ui-monospace, monospace; font-size: 0.9rem; }
        .actions { display: flex; gap: 0.75rem; margin-top: 1.5rem; }
        button { font: inherit; padding: 0.6rem 1.2rem; border-radius: 8px; border: 1px solid var(--border);
          background: transparent; color: var(--text); cursor: pointer; }
        button#approve, button.primary { background: var(--accent); color: var(--accent-text); border-color: var(--accent); }
        .error { color: var(--danger); }
        .muted { color: var(--muted); font-size: 0.9rem; }
        """

    private static func document(title: String, body: String, script: String? = nil) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer">
        <title>\(HTML.escape(title))</title>
        <style>
        \(style)
        </style>
        </head>
        <body>
        <main>
        \(body)
        </main>
        \(script.map { "<script>\($0)</script>" } ?? "")
        </body>
        </html>

        """
    }

    static func signIn(requestID: String, decideAction: String, clientID: String, scope: String?, resource: String?, subject: String) -> String {
        var details = "<dt>Application</dt><dd>\(HTML.escape(clientID))</dd>"
        if let scope, !scope.isEmpty { details += "<dt>Permissions</dt><dd>\(HTML.escape(scope))</dd>" }
        if let resource, !resource.isEmpty { details += "<dt>Resource</dt><dd>\(HTML.escape(resource))</dd>" }
        details += "<dt>Account</dt><dd>\(HTML.escape(subject))</dd>"
        return document(
            title: "Sign in to the redirect-catcher test provider",
            body: """
                <h1>Sign in to the redirect-catcher test provider</h1>
                <p>An application is asking to act as you.</p>
                <dl>\(details)</dl>
                <form method="post" action="\(HTML.escape(decideAction))">
                <input type="hidden" name="request" value="\(HTML.escape(requestID))">
                <div class="actions">
                <button type="submit" name="decision" value="approve" id="approve">Sign in</button>
                <button type="submit" name="decision" value="deny" id="deny">Cancel</button>
                </div>
                </form>
                <p class="muted">This is a local test provider: no password is needed and nothing leaves this machine.</p>
                """)
    }

    static func error(title: String, message: String) -> String {
        document(
            title: title,
            body: """
                <h1 class="error">\(HTML.escape(title))</h1>
                <p>\(HTML.escape(message))</p>
                <p class="muted">The application was not told about this error: fix its configuration and start again.</p>
                """)
    }

    /// OAuth 2.0 Form Post Response Mode: the browser carries the response to the client as a
    /// POST. The button is there for browsers without JavaScript.
    static func formPost(action: String, fields: [(String, String)]) -> String {
        let inputs = fields.map { name, value in
            "<input type=\"hidden\" name=\"\(HTML.escape(name))\" value=\"\(HTML.escape(value))\">"
        }.joined(separator: "\n")
        return document(
            title: "Returning to the application",
            body: """
                <h1>Returning to the application</h1>
                <form method="post" action="\(HTML.escape(action))">
                \(inputs)
                <div class="actions"><button type="submit" class="primary">Continue</button></div>
                </form>
                """,
            script: "document.forms[0].submit()")
    }
}
