import Glibc
import RCCrypto
import RCHTTP
import RCJSON
import RCOAuth
import RCSystem

/// The running daemon: one event loop that owns the accounts, the redirect listener and the
/// sockets, started by `redirect-catcher run`.
public final class Daemon {
    /// The configuration in force (a reload replaces it).
    public internal(set) var config: Config
    public let runtimeDirectory: String
    let logger: Logger
    let loop: EventLoop
    var endpoint: any TokenEndpoint
    let metadata: any MetadataTransport
    /// Whether `endpoint` is the daemon's own HTTPS transport, rebuilt when `request_timeout`
    /// changes (tests bring their own).
    let ownsEndpoint: Bool
    let environment: [String: String]
    /// How to start the exchange helper (see `HelperTokenEndpoint`); nil: HTTPS in-process.
    let exchangeHelper: [String]?
    let notify: SystemdNotify
    var notifyHook: NotifyHook?
    /// Where `run` read the config, for a reload; nil: SIGHUP cannot reload.
    let configPath: String?
    /// Every account, in the config's order; the callback paths derive from it.
    var accounts = AccountTable()
    /// Each account's settings as loaded, before discovery: what a reload compares.
    var loadedSettings: [AccountSettings] = []
    let flows = SignInFlows()
    let resultPages = ResultPages()
    var listener: HTTPListener?
    var sockets: SocketServer?
    /// The sockets systemd passed, until `start` takes them.
    var activation: SocketActivation
    /// The redirect listener's sockets are systemd's: a reload cannot move it to another port.
    var listenerIsActivated = false
    /// Where control.sock listens: in the runtime directory, or where systemd bound it.
    var controlPath = ""
    var lastStatus: String?
    var reloadInProgress = false
    var reloadRequestedAgain = false
    /// The state systemd's file descriptor store passed (named `state`), until `start` reads it.
    var passedState: [FileDescriptor] = []
    /// Keeps the sign-ins across restarts (`RestartState.swift`).
    var restartState: RestartState?

    /// The level `run --log-level` fixed, which outranks `log_level` in the config at a reload
    /// as it did at start; nil: a reload applies the config's `log_level`.
    public var logLevelFromCommandLine: LogLevel?

    /// The port the redirect listener bound (useful when `listen.port` is 0).
    public internal(set) var port: UInt16 = 0

    /// Called on the loop thread once everything listens (after READY=1), with the port.
    public var onReady: ((UInt16) -> Void)?
    /// Called on the loop thread after each reload has been applied or refused (after READY=1).
    public var onReloaded: (() -> Void)?

    /// `endpoint` and `metadata` replace the HTTPS transport (with the config's
    /// `request_timeout`) in tests; `exchangeHelper` (an argv) moves that transport into a
    /// helper process per request. `configPath` is what SIGHUP re-reads; `passedSockets` are
    /// the sockets systemd passed (socket activation).
    public init(
        config: Config, environment: [String: String], logger: Logger, endpoint: (any TokenEndpoint)? = nil,
        metadata: (any MetadataTransport)? = nil, configPath: String? = nil, passedSockets: [PassedDescriptors.Entry] = [],
        exchangeHelper: [String]? = nil
    ) throws {
        self.config = config
        self.logger = logger
        self.environment = environment
        self.configPath = configPath
        self.exchangeHelper = exchangeHelper
        let https = Self.transport(helper: exchangeHelper, timeoutSeconds: config.requestTimeout, environment: environment)
        self.endpoint = endpoint ?? https
        self.ownsEndpoint = endpoint == nil
        self.metadata = metadata ?? https
        self.notify = SystemdNotify(environment: environment)
        self.notifyHook = config.notifyCommand.map { NotifyHook(command: $0, environment: environment, logger: logger) }
        self.runtimeDirectory = try RuntimeDirectory.path(environment: environment)
        self.passedState = passedSockets.filter { $0.name == RestartState.storeName }.map(\.fd)
        self.activation = try SocketActivation.sort(passedSockets.filter { $0.name != RestartState.storeName }, logger: logger)
        self.loop = try EventLoop()
    }

    /// The HTTPS transport: in a helper process when `helper` says how to start one (the
    /// command line's `run` does), in this process otherwise (tests, embedding).
    static func transport(helper: [String]?, timeoutSeconds: Double, environment: [String: String]) -> any ExchangeTransport {
        if let helper {
            return HelperTokenEndpoint(argv: helper, timeoutSeconds: timeoutSeconds, environment: environment)
        }
        return HTTPSTokenEndpoint(timeoutSeconds: timeoutSeconds, environment: environment)
    }

    /// Binds everything, tells systemd it is ready, and serves until SIGTERM or SIGINT;
    /// SIGHUP reloads the config.
    public func run() throws(StartupError) {
        signal(SIGPIPE, SIG_IGN)
        do {
            try loop.handleSignals([SIGTERM, SIGINT, SIGHUP]) { [weak self] signo in
                guard let self else { return }
                if signo == SIGHUP {
                    self.reload()
                    return
                }
                self.logger.info("stopping", "stopping on signal \(signo)")
                self.notify.send("STOPPING=1")
                self.loop.stop()
            }
        } catch {
            throw .signals(error)
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

    /// Start is a reload from nothing: the same plan (every account added) and the same
    /// `reconcile` a reload applies. Only start makes the runtime directory, the listener and
    /// control.sock, and it stops at the first thing that fails rather than going on without it.
    func start() throws(StartupError) {
        // Before anything is claimed or bound: an issuer that cannot be used stops the daemon
        // with the account's key in the message, as a config error would.
        var discovered: [AccountSettings] = []
        do throws(ConfigError) {
            for settings in config.accounts {
                discovered.append(try ProviderDiscovery.resolve(settings, transport: metadata, logger: logger))
            }
        } catch {
            throw .discovery(error)
        }
        let plan = ReloadPlan(old: [], new: config.accounts)
        // Claim every socket path before binding anything, so that a second daemon stops
        // here with a clear message rather than half-started. A control.sock systemd bound is
        // systemd's: it is served as it is.
        let controlPassed = activation.control != nil
        do throws(RuntimeDirectory.Problem) {
            try RuntimeDirectory.prepare(runtimeDirectory)
            if !controlPassed { try RuntimeDirectory.claimSocketPath(socketPath("control")) }
            try claimSocketPaths(config.accounts.flatMap(Self.socketLabels))
            let listener = try makeListener()
            self.listener = listener
            port = listener.port
        } catch {
            throw .setup(error)
        }
        sockets = SocketServer(loop: loop, logger: logger)
        if let failure = reconcile(LoadedConfig(config: config, discovered: discovered), plan: plan).first {
            throw .socket(path: failure.path, failure.error)
        }
        // Before READY=1 (and before the loop serves anyone): a client that connects once
        // systemd says the daemon is up gets the restored token at once.
        let restartState = RestartState(
            loop: loop, logger: logger, notify: notify, persist: config.persist, environment: environment,
            collect: { [weak self] in self?.savedAccounts() ?? [] })
        self.restartState = restartState
        var leftOut: [String: String] = [:]
        if let (state, source) = restartState.load(passed: passedState) {
            leftOut = restartState.restore(state, source: source, into: accounts.accounts)
        }
        passedState = []
        do {
            try serveControlSocket()
        } catch {
            throw .socket(path: controlPath, error)
        }
        logger.info(
            "started",
            "redirect-catcher \(Version.current) listening on http://localhost:\(port) with \(accounts.count) account(s); sockets in \(runtimeDirectory)\(controlPassed || listenerIsActivated ? " (socket-activated)" : "")",
            ["PORT": String(port)])
        for name in plan.added {
            // A restored account is signed in already; the others need the person (or, for an
            // application, start their own grants).
            guard let account = accounts[name], case .needsSignIn = account.state.session else { continue }
            account.announceSignInNeeded(because: leftOut[name] ?? "no token yet")
        }
        lastStatus = statusLine()
        notify.send("READY=1", "STATUS=\(lastStatus ?? "")")
        startWatchdog()
        onReady?(port)
    }

    /// The redirect listener: on the sockets systemd passed, or bound on `listen.port`.
    private func makeListener() throws(RuntimeDirectory.Problem) -> HTTPListener {
        let router: (BrowserRequest, @escaping HTTPListener.Respond) -> Void = { [weak self] request, respond in
            self?.route(request, respond)
        }
        if let activatedPort = activation.httpPort {
            let listener: HTTPListener
            do {
                listener = try HTTPListener(loop: loop, listeners: activation.http, port: activatedPort, logger: logger, router: router)
            } catch {
                throw RuntimeDirectory.Problem(description: "cannot serve the redirect listener systemd passed on port \(activatedPort): \(error)")
            }
            activation.http = []
            listenerIsActivated = true
            if config.listenPort != 0 && config.listenPort != activatedPort {
                logger.warning(
                    "port_mismatch",
                    "systemd passed the redirect listener on port \(activatedPort) but listen.port is \(config.listenPort): using \(activatedPort); redirect URIs that name port \(config.listenPort) will not reach the daemon until the two agree",
                    ["PORT": String(activatedPort)])
            }
            return listener
        }
        do {
            return try HTTPListener(loop: loop, port: config.listenPort, logger: logger, router: router)
        } catch {
            throw RuntimeDirectory.Problem(description: Self.bindFailure(port: config.listenPort, error))
        }
    }

    static func bindFailure(port: UInt16, _ error: SystemError) -> String {
        "cannot listen on localhost port \(port): \(error)\(error.errno == EADDRINUSE ? " (is another redirect-catcher running, or another program using the port? change listen.port)" : "")"
    }

    /// control.sock: the one systemd passed, or bound here.
    private func serveControlSocket() throws(SystemError) {
        guard let sockets else { return }
        let handler: (SocketServer.Client) -> Void = { [weak self] client in
            guard let self, let sockets = self.sockets else { return }
            sockets.readLine(from: client) { [weak self] line in
                guard let self, let line else { return }
                self.control(line) { self.sockets?.reply(client, $0) }
            }
        }
        guard let passed = activation.control else {
            controlPath = socketPath("control")
            try sockets.listen(path: controlPath, onClient: handler)
            return
        }
        activation.control = nil
        let path = activation.controlPath ?? socketPath("control")
        controlPath = path
        if path != socketPath("control") {
            logger.warning(
                "socket_path_mismatch",
                "systemd passed control.sock at \(path), but clients look for it at \(socketPath("control")); check ListenStream= in redirect-catcher.socket")
        }
        try sockets.adopt(passed, path: path, onClient: handler)
    }

    /// `NAME.sock`: a client gets the account's token (or what to do) and the socket closes.
    /// The account is looked up when the client arrives, so a reload that rebuilds the account
    /// keeps its socket file in place.
    func serveTokenSocket(_ label: TokenLabel) throws(SystemError) {
        try sockets?.listen(path: socketPath(label)) { [weak self] client in
            guard let self else { return }
            self.requestToken(label: label) { self.sockets?.reply(client, $0) }
        }
    }

    /// The token (or an `error:` line) for `work` or `work.graph`.
    func requestToken(label: TokenLabel, reply: @escaping (String) -> Void) {
        guard let account = accounts[label.account], let slot = account.slot(named: label.token) else {
            reply("error: \(label) is no longer configured")
            return
        }
        account.requestToken(slot) { [logger] answer in
            switch answer {
            case .token(let token):
                logger.debug("token_served", "served \(slot.label)'s access token to a local client", account: account.name, slot.fields)
                reply(token)
            case .error(let message):
                reply("error: " + message)
            }
        }
    }

    /// Creates the account for `settings` (discovered), on the listener's port.
    func addAccount(_ settings: AccountSettings) {
        let resolved = Self.resolvingPort(settings, port: port)
        let account = Account(
            settings: resolved, signInURL: signInURL(settings.name), scheduler: loop, endpoint: endpoint, logger: logger)
        account.onNeedsPerson = { [weak self] account, event, message in
            self?.notifyHook?.run(
                NotifyHook.Notice(
                    account: account.name, event: event, signInURL: account.notifySignInURL, message: message, episode: account.generation))
        }
        account.onTokenNeedsPerson = { [weak self] account, slot, message in
            self?.notifyHook?.run(
                NotifyHook.Notice(
                    account: slot.label, event: "signin_needed", signInURL: account.signInURL(slot), message: message,
                    episode: account.generation))
        }
        if notify.socketPath != nil { account.onStateChange = { [weak self] in self?.publishStatus() } }
        account.onSavedStateChange = { [weak self] in self?.restartState?.changed() }
        accounts.insert(account)
    }

    func signInURL(_ name: String) -> String { "http://localhost:\(port)/signin/\(name)" }

    /// The socket names an account serves: its own, then one per extra token.
    static func socketLabels(_ settings: AccountSettings) -> [TokenLabel] {
        [TokenLabel(account: settings.name, token: nil)] + settings.tokens.map { TokenLabel(account: settings.name, token: $0.name) }
    }

    /// What of each account survives a restart, in config order.
    func savedAccounts() -> [SavedState.Account] {
        let wallNow = RestartState.wallNow()
        return accounts.accounts.compactMap { $0.saved(wallNow: wallNow) }
    }

    private func shutdown() {
        restartState?.stop()
        listener?.close()
        sockets?.close()
    }

    /// With `listen.port` 0, a default redirect URI gets the port actually bound.
    static func resolvingPort(_ settings: AccountSettings, port: UInt16) -> AccountSettings {
        var settings = settings
        settings.redirectURI = URLPolicy.redirectURI(settings.redirectURI, boundTo: port)
        return settings
    }

    func socketPath(_ name: some CustomStringConvertible) -> String {
        Self.socketPath(name, in: runtimeDirectory)
    }

    /// Where the socket `name` (`control`, or a `TokenLabel`) lives in `directory`.
    static func socketPath(_ name: some CustomStringConvertible, in directory: String) -> String {
        directory + "/\(name).sock"
    }
}
