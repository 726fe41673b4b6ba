import RCHTTP
import RCOAuth
import RCSystem

/// SIGHUP (`systemctl --user reload redirect-catcher`): the config is read again and applied
/// without a restart. Accounts whose settings did not change keep their tokens; new ones
/// start; removed ones go with their sockets; changed ones start over and need a sign-in. A
/// config that does not load, or a port that cannot be bound, leaves everything as it was.
extension Daemon {
    /// What the worker thread hands back: the new config, and its accounts' settings with
    /// the endpoints of new or changed issuer-only accounts discovered.
    struct LoadedConfig: Sendable {
        let config: Config
        let discovered: [AccountSettings]
    }

    /// Starts a reload; one that arrives during another runs after it.
    func reload() {
        guard let configPath else {
            logger.notice("reload_unsupported", "SIGHUP received, but the daemon was not started from a config file: nothing to reload")
            return
        }
        guard !reloadInProgress else {
            reloadRequestedAgain = true
            return
        }
        reloadInProgress = true
        notify.send("RELOADING=1", SystemdNotify.monotonicNow())
        logger.info("reloading", "reloading the configuration from \(configPath)")
        let previous = loadedSettings
        let credentials = environment["CREDENTIALS_DIRECTORY"]
        let metadata = self.metadata
        let logger = self.logger
        // Discovery is network I/O: it runs on a thread while the loop goes on serving (and
        // pinging the watchdog), and the result is applied on the loop.
        loop.offload({ () -> Result<LoadedConfig, ConfigError> in
            do throws(ConfigError) {
                let config = try ConfigLoader.load(path: configPath, credentialsDirectory: credentials)
                var discovered: [AccountSettings] = []
                for settings in config.accounts {
                    discovered.append(
                        previous.contains(settings) ? settings : try ProviderDiscovery.resolve(settings, transport: metadata, logger: logger))
                }
                return .success(LoadedConfig(config: config, discovered: discovered))
            } catch {
                return .failure(error)
            }
        }) { [weak self] result in
            self?.finishReload(result)
        }
    }

    private func finishReload(_ result: Result<LoadedConfig, ConfigError>) {
        do throws(RuntimeDirectory.Problem) {
            try apply(try result.mapError { RuntimeDirectory.Problem(description: "config error: \($0)") }.get())
        } catch {
            logger.error("reload_failed", "reload failed, still running on the previous configuration: \(error)")
        }
        reloadInProgress = false
        lastStatus = statusLine()
        notify.send("READY=1", "STATUS=\(lastStatus ?? "")")
        onReloaded?()
        if reloadRequestedAgain {
            reloadRequestedAgain = false
            reload()
        }
    }

    private func apply(_ loaded: LoadedConfig) throws(RuntimeDirectory.Problem) {
        let new = loaded.config
        let plan = ReloadPlan(old: loadedSettings, new: new.accounts)
        // What can fail comes first, while nothing has changed yet: the new port, the new
        // socket paths.
        var movedListener: HTTPListener?
        if new.listenPort != config.listenPort {
            if listenerIsActivated {
                logger.warning(
                    "port_mismatch",
                    "listen.port is now \(new.listenPort), but the redirect listener is systemd's socket on port \(port): change redirect-catcher-http.socket to move it")
            } else {
                do {
                    movedListener = try HTTPListener(loop: loop, port: new.listenPort, logger: logger) { [weak self] request, respond in
                        self?.route(request, respond)
                    }
                } catch {
                    throw RuntimeDirectory.Problem(description: Self.bindFailure(port: new.listenPort, error) + "; still listening on port \(port)")
                }
            }
        }
        do throws(RuntimeDirectory.Problem) {
            try claimSocketPaths(new.accounts.flatMap(Self.socketLabels))
        } catch {
            movedListener?.close()
            throw error
        }

        if let movedListener {
            listener?.close()
            listener = movedListener
            port = movedListener.port
            logger.notice("listening", "the redirect listener moved to http://localhost:\(port)", ["PORT": String(port)])
        }
        if ownsEndpoint && new.requestTimeout != config.requestTimeout {
            endpoint = Self.transport(helper: exchangeHelper, timeoutSeconds: new.requestTimeout, environment: environment)
        }
        notifyHook = new.notifyCommand.map { NotifyHook(command: $0, environment: environment, logger: logger) }
        if new.logLevel != config.logLevel {
            if let fixed = logLevelFromCommandLine {
                logger.notice(
                    "reload_partial", "log_level in the configuration is not applied: run --log-level \(fixed.rawValue) overrides it")
            } else {
                let level = new.logLevel ?? .info
                logger.notice("log_level", "logging \(level.rawValue) and more important messages from now on", ["LOG_LEVEL": level.rawValue])
                logger.setMinimumLevel(level)
            }
        }
        for failure in reconcile(loaded, plan: plan) {
            logger.error("socket_failed", "cannot listen on \(failure.path): \(failure.error)", account: failure.label.description)
        }
        for warning in new.warnings { logger.warning("config_warning", "config: \(warning)") }
        logger.notice(
            "reloaded", "configuration reloaded: \(plan.summary)",
            [
                "KEPT": plan.kept.joined(separator: ","), "ADDED": plan.added.joined(separator: ","),
                "CHANGED": plan.changed.joined(separator: ","), "REMOVED": plan.removed.joined(separator: ","),
            ])
        // Removed and changed accounts leave the kept state; `save` may be another command now.
        restartState?.persist = new.persist
        restartState?.changed()
        for name in plan.added { accounts[name]?.announceSignInNeeded(because: "added by a reload") }
        for name in plan.changed { accounts[name]?.announceSignInNeeded(because: "its settings changed") }
    }

    /// Claims the socket paths of `labels` that nothing listens on yet: all of them at start.
    func claimSocketPaths(_ labels: [TokenLabel]) throws(RuntimeDirectory.Problem) {
        let listening = sockets?.paths ?? []
        for label in labels where !listening.contains(socketPath(label)) {
            try RuntimeDirectory.claimSocketPath(socketPath(label))
        }
    }

    /// A token socket that could not listen.
    struct SocketFailure {
        let label: TokenLabel
        let path: String
        let error: SystemError
    }

    /// Makes the accounts and their sockets what `loaded` says, as `plan` decided: removed and
    /// changed accounts retire, kept ones stay with their tokens (on the current port and
    /// endpoint), new ones start, and the sockets follow. Start runs it with every account
    /// added; a reload, after what could fail (the port, the socket paths) has succeeded.
    /// Returns the token sockets that could not listen: start stops, a reload logs them.
    func reconcile(_ loaded: LoadedConfig, plan: ReloadPlan) -> [SocketFailure] {
        let new = loaded.config
        for name in plan.removed { retire(name, because: "account \(name) was removed from the configuration") }
        for name in plan.changed {
            let again = new.accounts.first(where: { $0.name == name })?.grant == .clientCredentials ? "try again in a moment" : "sign in again at \(signInURL(name))"
            retire(name, because: "account \(name)'s settings changed: \(again)")
        }
        let discovered = Dictionary(loaded.discovered.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for settings in new.accounts {
            if let account = accounts[settings.name] {
                account.signInURL = signInURL(settings.name)
                account.endpoint = endpoint
            } else {
                addAccount(discovered[settings.name] ?? settings)
            }
        }
        accounts.reorder(new.accounts.map(\.name))
        let listening = sockets?.paths ?? []
        let labels = new.accounts.flatMap(Self.socketLabels)
        let wanted = Set(labels.map { socketPath($0) })
        for path in listening where !wanted.contains(path) && path != controlPath {
            sockets?.stopListening(path: path)
        }
        var failures: [SocketFailure] = []
        for label in labels where !listening.contains(socketPath(label)) {
            do {
                try serveTokenSocket(label)
            } catch {
                failures.append(SocketFailure(label: label, path: socketPath(label), error: error))
            }
        }
        config = new
        loadedSettings = new.accounts
        return failures
    }

    private func retire(_ name: String, because message: String) {
        accounts.remove(name)?.retire(because: message)
        flows.discard(account: name)
    }
}
