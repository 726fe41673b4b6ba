import Glibc
import RCCrypto
import RCHTTP
import RCJSON
import RCOAuth
import RCSystem

/// The running daemon: one event loop that owns the accounts, the redirect listener and the
/// sockets, started by `redirect-catcher run`.
public final class Daemon {
    public let config: Config
    public let runtimeDirectory: String
    let logger: Logger
    let loop: EventLoop
    let endpoint: any TokenEndpoint
    let metadata: any MetadataTransport
    let notify: SystemdNotify
    let notifyHook: NotifyHook?
    var accounts: [String: Account] = [:]
    var accountOrder: [String] = []
    let flows = SignInFlows()
    let resultPages = ResultPages()
    var listener: HTTPListener?
    var sockets: SocketServer?
    var callbackPaths: Set<String> = []

    /// The port the redirect listener bound (useful when `listen.port` is 0).
    public private(set) var port: UInt16 = 0

    /// Called on the loop thread once everything listens (after READY=1), with the port.
    public var onReady: ((UInt16) -> Void)?

    /// `endpoint` and `metadata` replace the HTTPS transport (with the config's
    /// `request_timeout`) in tests.
    public init(
        config: Config, environment: [String: String], logger: Logger, endpoint: (any TokenEndpoint)? = nil,
        metadata: (any MetadataTransport)? = nil
    ) throws {
        self.config = config
        self.logger = logger
        let https = HTTPSTokenEndpoint(timeoutSeconds: config.requestTimeout, environment: environment)
        self.endpoint = endpoint ?? https
        self.metadata = metadata ?? https
        self.notify = SystemdNotify(environment: environment)
        self.notifyHook = config.notifyCommand.map { NotifyHook(command: $0, environment: environment, logger: logger) }
        self.runtimeDirectory = try RuntimeDirectory.path(environment: environment)
        self.loop = try EventLoop()
    }

    /// Binds everything, tells systemd it is ready, and serves until SIGTERM or SIGINT.
    public func run() throws {
        signal(SIGPIPE, SIG_IGN)
        try loop.handleSignals([SIGTERM, SIGINT, SIGHUP]) { [weak self] signo in
            guard let self else { return }
            if signo == SIGHUP {
                self.logger.notice("reload_unsupported", "SIGHUP received: reloading is not supported yet; restart to apply a new configuration")
                return
            }
            self.logger.info("stopping", "stopping on signal \(signo)")
            self.notify.send("STOPPING=1")
            self.loop.stop()
        }
        try start()
        loop.run()
        shutdown()
    }

    /// A function that asks the running daemon to stop, callable from any thread.
    public var stopper: @Sendable () -> Void {
        let loop = self.loop
        return { loop.stop() }
    }

    func start() throws {
        // Before anything is claimed or bound: an issuer that cannot be used stops the daemon
        // with the account's key in the message, as a config error would.
        var configured: [AccountSettings] = []
        for settings in config.accounts {
            configured.append(try ProviderDiscovery.resolve(settings, transport: metadata, logger: logger))
        }
        try RuntimeDirectory.prepare(runtimeDirectory)
        // Claim every socket path before binding anything, so that a second daemon stops
        // here with a clear message rather than half-started.
        let socketNames = ["control"] + configured.flatMap { account in [account.name] + account.tokens.map { account.name + "." + $0.name } }
        for name in socketNames {
            try RuntimeDirectory.claimSocketPath(socketPath(name))
        }
        let listener: HTTPListener
        do {
            listener = try HTTPListener(loop: loop, port: config.listenPort, logger: logger) { [weak self] request, respond in
                guard let self else { return }
                self.route(request, respond)
            }
        } catch {
            throw RuntimeDirectory.Problem(
                description:
                    "cannot listen on localhost port \(config.listenPort): \(error)\(error.errno == EADDRINUSE ? " (is another redirect-catcher running, or another program using the port? change listen.port)" : "")"
            )
        }
        self.listener = listener
        port = listener.port
        for settings in configured {
            let resolved = Self.resolvingPort(settings, port: port)
            let account = Account(
                settings: resolved, signInURL: "http://localhost:\(port)/signin/\(settings.name)", scheduler: loop,
                endpoint: endpoint, logger: logger)
            if let notifyHook {
                account.onNeedsPerson = { account, event, message in
                    notifyHook.run(
                        NotifyHook.Notice(
                            account: account.name, event: event, signInURL: account.signInURL, message: message,
                            episode: account.generation))
                }
            }
            accounts[settings.name] = account
            accountOrder.append(settings.name)
            if let path = try? WebURL.parse(resolved.redirectURI).path { callbackPaths.insert(path) }
        }
        let sockets = SocketServer(loop: loop, logger: logger)
        self.sockets = sockets
        for name in accountOrder {
            guard let account = accounts[name] else { continue }
            for slot in account.slots {
                try sockets.listen(path: socketPath(slot.label)) { [weak sockets, weak slot] client in
                    guard let slot else { return }
                    account.requestToken(slot) { reply in
                        guard let sockets else { return }
                        switch reply {
                        case .token(let token): sockets.reply(client, token)
                        case .error(let message): sockets.reply(client, "error: " + message)
                        }
                    }
                }
            }
        }
        try sockets.listen(path: socketPath("control")) { [weak self, weak sockets] client in
            guard let sockets else { return }
            sockets.readLine(from: client) { line in
                guard let self, let line else { return }
                self.control(line) { sockets.reply(client, $0) }
            }
        }
        logger.info(
            "started",
            "redirect-catcher \(Version.current) listening on http://localhost:\(port) with \(accountOrder.count) account(s); sockets in \(runtimeDirectory)",
            ["PORT": String(port)])
        for name in accountOrder {
            accounts[name]?.announceSignInNeeded(because: "no token yet")
        }
        notify.send("READY=1", "STATUS=\(statusLine())")
        onReady?(port)
    }

    private func shutdown() {
        listener?.close()
        sockets?.close()
    }

    /// With `listen.port` 0, a default redirect URI gets the port actually bound.
    static func resolvingPort(_ settings: AccountSettings, port: UInt16) -> AccountSettings {
        var settings = settings
        settings.redirectURI = URLPolicy.redirectURI(settings.redirectURI, boundTo: port)
        return settings
    }

    func socketPath(_ name: String) -> String {
        runtimeDirectory + "/" + name + ".sock"
    }

    private func statusLine() -> String {
        let signedIn = accountOrder.filter { accounts[$0]?.usableToken != nil }
        let waiting = accountOrder.filter { accounts[$0]?.usableToken == nil }
        var parts = ["\(signedIn.count) signed in"]
        if !waiting.isEmpty { parts.append("\(waiting.count) needs sign-in: " + waiting.joined(separator: ", ")) }
        return parts.joined(separator: ", ")
    }
}
