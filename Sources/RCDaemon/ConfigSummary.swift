import RCOAuth

/// What `check-config` prints: each account as the daemon would run it, secrets hidden.
public enum ConfigSummary {
    public static func describe(_ config: Config, socketDirectory: String) -> String {
        var lines = ["listen: http://localhost:\(config.listenPort) (127.0.0.1 and ::1)"]
        if config.requestTimeout != ConfigLoader.defaultRequestTimeout {
            let seconds = config.requestTimeout
            lines.append("request_timeout: \(seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)) s")
        }
        if let notify = config.notifyCommand { lines.append("notify_command: \(notify.joined(separator: " "))") }
        if let persist = config.persist {
            lines.append("persist: save with \(persist.save.joined(separator: " ")), load with \(persist.load.joined(separator: " "))")
        }
        for account in config.accounts {
            lines.append("account \(account.name) (\(account.provider.rawValue)):")
            lines.append("  flow: \(flow(account))")
            if account.discoversEndpoints, let issuer = account.issuer {
                // check-config stays offline: it says what `run` will do rather than doing it.
                let locations = ProviderMetadata.locations(issuer: issuer)
                lines.append("  issuer: \(issuer)")
                lines.append("  endpoints: discovered at start-up from \(locations.joined(separator: " or ")) (not fetched by check-config)")
            } else if account.grant == .clientCredentials {
                lines.append("  token:     \(account.tokenURL)")
            } else {
                lines.append("  authorize: \(account.authorizeURL)")
                lines.append("  token:     \(account.tokenURL)")
            }
            lines.append("  client_id: \(account.clientID)")
            lines.append("  client authentication: \(describe(account.clientAuth, hasSecret: account.clientSecret != nil))")
            if let certificate = account.clientCertificate {
                lines.append("  client certificate: \(certificate) (valid until \(certificate.credential.notAfter))")
            }
            if !account.scopes.isEmpty { lines.append("  scopes: \(account.scopes.joined(separator: " "))") }
            if let resource = account.resource { lines.append("  resource: \(resource)") }
            if account.grant == .authorizationCode {
                lines.append("  redirect_uri: \(account.redirectURI) (response_mode \(account.responseMode == .formPost ? "form_post" : "query"))")
            }
            if let ca = account.caFile { lines.append("  ca_file: \(ca)") }
            if let user = account.user { lines.append("  user: \(user)") }
            lines.append("  socket: \(Daemon.socketPath(account.name, in: socketDirectory))")
            for token in account.tokens {
                var audience: [String] = []
                if !token.scopes.isEmpty { audience.append("scopes \(token.scopes.joined(separator: " "))") }
                if let resource = token.resource { audience.append("resource \(resource)") }
                let source = account.grant == .clientCredentials ? "by its own client credentials grant" : "from the account's refresh token"
                lines.append(
                    "  token \(token.name) (\(audience.joined(separator: ", ")), \(source)): \(Daemon.socketPath(TokenLabel(account: account.name, token: token.name), in: socketDirectory))"
                )
            }
        }
        return lines.joined(separator: "\n")
    }

    /// The sockets `run` would fail to bind in `socketDirectory` because their paths are too
    /// long for a Unix socket address, each with what to do about it.
    public static func socketPathProblems(_ config: Config, socketDirectory: String) -> [String] {
        (["control"] + config.accounts.flatMap(Daemon.socketLabels).map(\.description)).compactMap { label in
            RuntimeDirectory.socketPathProblem(Daemon.socketPath(label, in: socketDirectory))
        }
    }

    private static func describe(_ auth: ClientAuth, hasSecret: Bool) -> String {
        switch auth {
        case .none: "none (public client, PKCE)"
        case .secretPost: "client secret in the request body (secret hidden)"
        case .secretBasic: "client secret with HTTP Basic (secret hidden)"
        case .privateKeyJWT: "client assertion signed with a certificate key (private_key_jwt)"
        }
    }
}
