import Foundation
import RCOAuth
import Testing

@testable import RCDaemon

@Suite struct ConfigLoaderTests {
    func parse(_ text: String, credentials: String? = nil) throws -> Config {
        try ConfigLoader.parse(Array(text.utf8), credentialsDirectory: credentials)
    }

    /// Parses a config with one account `a` whose body is `account`, plus top-level `extra`.
    func oneAccount(_ account: String, extra: String = "") -> String {
        #"{ \#(extra) "accounts": { "a": { \#(account) } } }"#
    }

    static let generic = #""authorize_url": "https://sso.example.com/authorize", "token_url": "https://sso.example.com/token", "client_id": "cli""#
    static let clientGUID = "3f9d1c2e-8b4a-4e6f-9a0b-1c2d3e4f5a6b"
    static let entra = #""provider": "entra", "tenant": "contoso.onmicrosoft.com", "client_id": "cid", "scopes": ["https://x/.default", "offline_access"]"#

    func expectError(_ text: String, path: String, message: String, credentials: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try parse(text, credentials: credentials)
            Issue.record("accepted: \(text)", sourceLocation: sourceLocation)
        } catch let error as ConfigError {
            #expect(error.path == path, sourceLocation: sourceLocation)
            #expect(error.message == message, sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func fullConfigWithAllFourProviders() throws {
        let text = #"""
            {
              "listen": { "port": 8400 },
              "log_level": "notice",
              "notify_command": ["notify-send", "redirect-catcher"],
              "accounts": {
                "dynamics": {
                  "provider": "entra",
                  "tenant": "72f988bf-86f1-41af-91ab-2d7cd011db47",
                  "client_id": "00000000-0000-0000-0000-000000000000",
                  "scopes": ["https://contoso.operations.dynamics.com/.default", "offline_access"],
                  "extra_authorize_params": { "prompt": "select_account", "domain_hint": "contoso.com" }
                },
                "fno": {
                  "provider": "entra-v1",
                  "authority": "https://login.microsoftonline.us/",
                  "tenant": "contoso.onmicrosoft.com",
                  "client_id": "app",
                  "resource": "https://contoso.operations.dynamics.com",
                  "response_mode": "query"
                },
                "adfs": {
                  "provider": "adfs",
                  "authority": "https://adfs.contoso.com/adfs",
                  "client_id": "native",
                  "resource": "urn:internal:api",
                  "scopes": ["openid"],
                  "redirect_uri": "http://127.0.0.1:8400/adfs"
                },
                "intranet": {
                  "authorize_url": "https://sso.example.com/oauth2/authorize",
                  "token_url": "http://localhost:9000/oauth2/token",
                  "issuer": "https://sso.example.com",
                  "client_id": "my-cli",
                  "client_secret": "s3cret",
                  "client_auth": "basic",
                  "scopes": ["openid", "offline_access"],
                  "redirect_uri": "http://[::1]/cb",
                  "response_mode": "form_post",
                  "ca_file": "/etc/hostname",
                  "user": "alex@mail.acme-corp.net"
                }
              }
            }
            """#
        let config = try parse(text)
        #expect(config.listenPort == 8400)
        #expect(config.logLevel == .notice)
        #expect(config.notifyCommand == ["notify-send", "redirect-catcher"])
        // Valid, but full of the sample names a real config never has.
        #expect(
            config.warnings.map(\.path) == [
                "accounts.dynamics.client_id", "accounts.dynamics.scopes[0]", "accounts.dynamics.extra_authorize_params.domain_hint",
                "accounts.fno.tenant", "accounts.fno.resource", "accounts.fno.client_id", "accounts.adfs.authority",
                "accounts.intranet.authorize_url", "accounts.intranet.issuer",
            ])
        #expect(config.accounts.map(\.name) == ["dynamics", "fno", "adfs", "intranet"])

        let dynamics = config.accounts[0]
        #expect(dynamics.provider == .entra)
        #expect(dynamics.authorizeURL == "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0/authorize")
        #expect(dynamics.tokenURL == "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0/token")
        #expect(dynamics.issuer == "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0")
        #expect(dynamics.responseMode == .formPost)
        #expect(dynamics.clientAuth == .none)
        #expect(dynamics.redirectURI == "http://localhost:8400/callback")
        #expect(dynamics.extraAuthorizeParams == [.init(name: "prompt", value: "select_account"), .init(name: "domain_hint", value: "contoso.com")])
        #expect(!dynamics.usesNonce)

        let fno = config.accounts[1]
        #expect(fno.authorizeURL == "https://login.microsoftonline.us/contoso.onmicrosoft.com/oauth2/authorize")
        #expect(fno.tokenURL == "https://login.microsoftonline.us/contoso.onmicrosoft.com/oauth2/token")
        #expect(fno.resource == "https://contoso.operations.dynamics.com")
        #expect(fno.responseMode == .query)
        #expect(fno.issuer == nil)

        let adfs = config.accounts[2]
        #expect(adfs.authorizeURL == "https://adfs.contoso.com/adfs/oauth2/authorize")
        #expect(adfs.issuer == "https://adfs.contoso.com/adfs")
        #expect(adfs.responseMode == .query)
        #expect(adfs.redirectURI == "http://127.0.0.1:8400/adfs")
        #expect(adfs.usesNonce)

        let intranet = config.accounts[3]
        #expect(intranet.provider == .generic)
        #expect(intranet.tokenURL == "http://localhost:9000/oauth2/token")
        #expect(intranet.clientSecret == "s3cret")
        #expect(intranet.clientAuth == .secretBasic)
        #expect(intranet.redirectURI == "http://[::1]:8400/cb")
        #expect(intranet.responseMode == .formPost)
        #expect(intranet.caFile == "/etc/hostname")
        #expect(intranet.user == "alex@mail.acme-corp.net")
        #expect(config.accounts[0].user == nil)
        #expect(intranet.issuer == "https://sso.example.com")
    }

    @Test func defaults() throws {
        let config = try parse(oneAccount(Self.generic))
        #expect(config.listenPort == 8400)
        #expect(config.notifyCommand == nil)
        #expect(config.requestTimeout == 30)
        #expect(config.logLevel == nil)
        let account = try #require(config.accounts.first)
        #expect(account.provider == .generic)
        #expect(account.redirectURI == "http://localhost:8400/callback")
        #expect(account.responseMode == .query)
        #expect(account.clientAuth == .none)
        #expect(account.scopes == [])
        #expect(try parse(oneAccount(Self.generic + #", "client_secret": "x""#)).accounts[0].clientAuth == .secretPost)
        #expect(try parse(oneAccount(Self.generic, extra: #""listen": {},"#)).listenPort == 8400)

        let anyPort = try parse(oneAccount(Self.generic, extra: #""listen": {"port": 0},"#))
        #expect(anyPort.listenPort == 0)
        #expect(anyPort.accounts[0].redirectURI == "http://localhost:0/callback")
        let portless = try parse(oneAccount(Self.generic + #", "redirect_uri": "http://127.0.0.1/cb""#, extra: #""listen": {"port": 0},"#))
        #expect(portless.accounts[0].redirectURI == "http://127.0.0.1:0/cb")
        let moved = try parse(oneAccount(Self.generic + #", "redirect_uri": "http://localhost/cb""#, extra: #""listen": {"port": 9123},"#))
        #expect(moved.accounts[0].redirectURI == "http://localhost:9123/cb")

        let entra = try parse(oneAccount(Self.entra)).accounts[0]
        #expect(entra.authorizeURL == "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize")
        #expect(entra.issuer == nil)
        #expect(entra.responseMode == .formPost)
    }

    @Test func entraWithoutOfflineAccessIsAWarningNotAnError() throws {
        let config = try parse(
            oneAccount(#""provider": "entra", "tenant": "common", "client_id": "\#(Self.clientGUID)", "scopes": ["User.Read"]"#))
        #expect(
            config.warnings == [
                ConfigError(path: "accounts.a.scopes", message: "no offline_access: Entra will not issue a refresh token, so every expiry needs a browser sign-in")
            ])
    }

    static let errorCases: [(String, String, String)] = [
        // Top level.
        (#"[1]"#, "config", "expected a JSON object at the top level, got an array"),
        (#"{"listen": {"port": 8400}}"#, "accounts", "required: add at least one account"),
        (#"{"accounts": {}}"#, "accounts", "add at least one account"),
        (#"{"accounts": []}"#, "accounts", "expected an object, got an array"),
        (#"{"acounts": {}}"#, "acounts", "unknown key; valid keys are: listen, accounts, notify_command, request_timeout, log_level, persist"),
        (#"{"listen": {"port": 70000}, "accounts": {}}"#, "listen.port", "expected an integer from 0 to 65535"),
        (#"{"listen": {"port": "8400"}, "accounts": {}}"#, "listen.port", "expected an integer from 0 to 65535"),
        (#"{"listen": {"port": 84.5}, "accounts": {}}"#, "listen.port", "expected an integer from 0 to 65535"),
        (#"{"listen": {"host": "0.0.0.0"}, "accounts": {}}"#, "listen.host", "unknown key; valid keys are: port"),
        (#"{"listen": 8400, "accounts": {}}"#, "listen", "expected an object, got a number"),
        (#"{"accounts": {"a": {}, "a": {}}}"#, "accounts", "duplicate account \"a\""),
        (#"{"accounts": {"a": {"client_id": "x", "client_id": "y"}}}"#, "accounts.a", "duplicate key \"client_id\" (line 1, column 39)"),
        ("{\n  \"accounts\": {\n    \"a\": {,}\n  }\n}", "config", "line 3, column 11: expected a member name in double quotes"),
        (#"{"accounts": {"a": 1}, "log_level": "loud"}"#, "accounts.a", "expected an object, got a number"),
        // Account names.
        (#"{"accounts": {"control": {}}}"#, "accounts.control", "\"control\" is reserved for the control socket: choose another name"),
        (#"{"accounts": {"a b": {}}}"#, "accounts.a b", "not a valid account name: use 1 to 64 characters from A-Z a-z 0-9 _ -"),
        (#"{"accounts": {"": {}}}"#, "accounts.", "not a valid account name: use 1 to 64 characters from A-Z a-z 0-9 _ -"),
        (#"{"accounts": {"\#(String(repeating: "x", count: 65))": {}}}"#, "accounts.\(String(repeating: "x", count: 65))", "not a valid account name: use 1 to 64 characters from A-Z a-z 0-9 _ -"),
    ]

    @Test(arguments: errorCases)
    func topLevelErrors(text: String, path: String, message: String) {
        expectError(text, path: path, message: message)
    }

    static let accountErrorCases: [(String, String, String)] = [
        (generic + #", "client_secrets": "x""#, "accounts.a.client_secrets",
         "unknown key; valid keys are: provider, tenant, authority, authorize_url, token_url, issuer, client_id, client_secret, client_secret_file, client_certificate_file, client_key_file, client_assertion_alg, client_auth, scopes, resource, redirect_uri, response_mode, extra_authorize_params, ca_file, tokens, user, grant, signin_flow, device_authorization_url"),
        (#""provider": "okta", "client_id": "c""#, "accounts.a.provider", "unknown provider \"okta\": use generic, entra, entra-v1 or adfs"),
        (#""provider": 1"#, "accounts.a.provider", "expected a string, got a number"),
        (#""token_url": "https://x/t", "client_id": "c""#, "accounts.a.authorize_url", "required for a generic account (or set only issuer to discover both, or set provider to entra, entra-v1 or adfs)"),
        (#""authorize_url": "https://x/a", "client_id": "c""#, "accounts.a.token_url", "required for a generic account (or set only issuer to discover both, or set provider to entra, entra-v1 or adfs)"),
        (#""authorize_url": "https://x/a", "token_url": "http://sso.example.com/token", "client_id": "c""#, "accounts.a.token_url", "not an https URL (plain http is allowed only on a loopback host)"),
        (#""authorize_url": "sso/authorize", "token_url": "https://x/t", "client_id": "c""#, "accounts.a.authorize_url", "not a URL: it has no scheme"),
        (#""authorize_url": ["https://x"], "token_url": "https://x/t", "client_id": "c""#, "accounts.a.authorize_url", "expected a string, got an array"),
        (generic + #", "issuer": "http://example.com""#, "accounts.a.issuer", "not an https URL (plain http is allowed only on a loopback host)"),
        (generic + #", "tenant": "common""#, "accounts.a.tenant", "only for provider entra or entra-v1"),
        (generic + #", "authority": "https://x""#, "accounts.a.authority", "only for provider entra, entra-v1 or adfs"),
        (entra + #", "token_url": "https://x/t""#, "accounts.a.token_url", "provider entra sets this from its tenant and authority: remove it or drop provider"),
        (#""provider": "entra", "client_id": "c", "scopes": ["s"]"#, "accounts.a.tenant", "required for provider entra: a GUID, a domain such as contoso.onmicrosoft.com, organizations, common or consumers"),
        (#""provider": "entra", "tenant": "contoso.com/evil", "client_id": "c", "scopes": ["s"]"#, "accounts.a.tenant", "not a tenant: use a GUID, a domain name, organizations, common or consumers"),
        (#""provider": "entra", "tenant": "common", "authority": "http://login.example.com", "client_id": "c", "scopes": ["s"]"#, "accounts.a.authority", "not an https URL (plain http is allowed only on a loopback host)"),
        (#""provider": "adfs", "client_id": "c", "resource": "r""#, "accounts.a.authority", "required for provider adfs, like https://adfs.contoso.com/adfs"),
        (#""provider": "adfs", "authority": "https://adfs.x/adfs", "tenant": "t", "client_id": "c", "resource": "r""#, "accounts.a.tenant", "only for provider entra or entra-v1"),
        (#""provider": "adfs", "authority": "https://adfs.x/adfs", "client_id": "c""#, "accounts.a.resource", "provider adfs needs resource, scopes or both"),
        (#""provider": "entra", "tenant": "common", "client_id": "c""#, "accounts.a.scopes", "required for provider entra, for example [\"https://graph.microsoft.com/.default\", \"offline_access\"]"),
        (entra + #", "resource": "https://x""#, "accounts.a.resource", "entra (v2) uses scopes, not resource: move it into scopes as RESOURCE/.default or use provider entra-v1"),
        (#""provider": "entra-v1", "tenant": "common", "client_id": "c""#, "accounts.a.resource", "required for provider entra-v1: the API's App ID URI or URL, such as https://contoso.operations.dynamics.com"),
        (#""provider": "entra-v1", "tenant": "common", "client_id": "c", "resource": "r", "scopes": ["openid"]"#, "accounts.a.scopes", "entra-v1 uses resource, not scopes: set resource, or use provider entra for scopes"),
        (generic + #", "resource": """#, "accounts.a.resource", "may not be empty"),
        (#""authorize_url": "https://x/a", "token_url": "https://x/t""#, "accounts.a.client_id", "required: the application (client) id"),
        (#""authorize_url": "https://x/a", "token_url": "https://x/t", "client_id": """#, "accounts.a.client_id", "may not be empty"),
        (generic + #", "client_secret": "x", "client_secret_file": "/x""#, "accounts.a.client_secret_file", "set client_secret or client_secret_file, not both"),
        (generic + #", "client_secret": """#, "accounts.a.client_secret", "may not be empty"),
        (generic + #", "client_secret_file": "secret""#, "accounts.a.client_secret_file", "\"secret\" is relative and $CREDENTIALS_DIRECTORY is not set (systemd LoadCredential=): use an absolute path"),
        (generic + #", "client_secret_file": "/nonexistent/secret""#, "accounts.a.client_secret_file", "/nonexistent/secret: cannot open: No such file or directory"),
        (generic + #", "client_auth": "basic""#, "accounts.a.client_auth", "basic sends a secret: it needs client_secret or client_secret_file"),
        (generic + #", "client_secret": "x", "client_auth": "jwt""#, "accounts.a.client_auth", "must be \"post\", \"basic\" or \"private_key_jwt\""),
        (generic + #", "scopes": "openid""#, "accounts.a.scopes", "expected an array, got a string"),
        (generic + #", "scopes": ["openid", "offline access"]"#, "accounts.a.scopes[1]", "not a scope: use printable ASCII without spaces, quotes or backslashes (RFC 6749 §3.3)"),
        (generic + #", "scopes": [""]"#, "accounts.a.scopes[0]", "not a scope: use printable ASCII without spaces, quotes or backslashes (RFC 6749 §3.3)"),
        (generic + #", "scopes": [1]"#, "accounts.a.scopes[0]", "expected a string, got a number"),
        (generic + #", "redirect_uri": "https://localhost:8400/cb""#, "accounts.a.redirect_uri", "must be an http URL: the loopback listener does not speak TLS (RFC 8252 §7.3)"),
        (generic + #", "redirect_uri": "http://example.com:8400/cb""#, "accounts.a.redirect_uri", "must be on a loopback host: localhost, 127.0.0.1 or [::1]"),
        (generic + #", "redirect_uri": "http://localhost:8401/cb""#, "accounts.a.redirect_uri", "port 8401 differs from listen.port 8400"),
        (generic + #", "response_mode": "fragment""#, "accounts.a.response_mode", "fragment cannot work: a URL fragment stays in the browser and never reaches the listener; use query or form_post"),
        (generic + #", "response_mode": "web_message""#, "accounts.a.response_mode", "must be \"query\" or \"form_post\""),
        (generic + #", "extra_authorize_params": {"prompt": "login", "redirect_uri": "http://evil"}"#, "accounts.a.extra_authorize_params.redirect_uri", "set by redirect-catcher itself and cannot be overridden here"),
        (generic + #", "extra_authorize_params": {"code_challenge_method": "plain"}"#, "accounts.a.extra_authorize_params.code_challenge_method", "set by redirect-catcher itself and cannot be overridden here"),
        (generic + #", "extra_authorize_params": {"prompt": true}"#, "accounts.a.extra_authorize_params.prompt", "expected a string, got a boolean"),
        (generic + #", "extra_authorize_params": ["prompt"]"#, "accounts.a.extra_authorize_params", "expected an object, got an array"),
        (generic + #", "ca_file": "/nonexistent/ca.pem""#, "accounts.a.ca_file", "cannot read /nonexistent/ca.pem: No such file or directory"),
        (generic + #", "user": "two words@example.com""#, "accounts.a.user", TokenFormatRequest.userProblem(" ") ?? ""),
        (generic + #", "user": 7"#, "accounts.a.user", "expected a string, got a number"),
        (generic + #", "ca_file": "ca.pem""#, "accounts.a.ca_file", "must be an absolute path"),
    ]

    @Test(arguments: accountErrorCases)
    func accountErrors(account: String, path: String, message: String) {
        expectError(oneAccount(account), path: path, message: message)
    }

    @Test func listenPortZeroForbidsAnExplicitRedirectPort() {
        expectError(
            oneAccount(Self.generic + #", "redirect_uri": "http://localhost:8400/cb""#, extra: #""listen": {"port": 0},"#),
            path: "accounts.a.redirect_uri", message: "listen.port is 0 (any free port): leave the port out of redirect_uri")
    }

    @Test func topLevelOptionalKeys() {
        expectError(oneAccount(Self.generic, extra: #""notify_command": [],"#), path: "notify_command", message: "expected a non-empty array of strings (argv)")
        expectError(oneAccount(Self.generic, extra: #""notify_command": "notify-send hi","#), path: "notify_command", message: "expected an array, got a string")
        expectError(oneAccount(Self.generic, extra: #""notify_command": ["a", 2],"#), path: "notify_command[1]", message: "expected a string, got a number")
        expectError(oneAccount(Self.generic, extra: #""notify_command": [""],"#), path: "notify_command[0]", message: "may not be empty")
        expectError(oneAccount(Self.generic, extra: #""log_level": "loud","#), path: "log_level", message: "must be one of debug, info, notice, warning, error")
    }

    @Test func persistTakesTwoCommands() throws {
        let config = try parse(oneAccount(Self.generic, extra: #""persist": {"save": ["secret-tool", "store"], "load": ["secret-tool", "lookup"]},"#))
        #expect(config.persist == PersistCommands(save: ["secret-tool", "store"], load: ["secret-tool", "lookup"]))
        #expect(try parse(oneAccount(Self.generic)).persist == nil)
        // check-config says what will keep the state; the daemon runs exactly these argv lists.
        #expect(ConfigSummary.describe(config, socketDirectory: "/run/rc").contains("persist: save with secret-tool store, load with secret-tool lookup"))
        expectError(oneAccount(Self.generic, extra: #""persist": ["a"],"#), path: "persist", message: "expected an object, got an array")
        expectError(oneAccount(Self.generic, extra: #""persist": {"load": ["a"]},"#), path: "persist.save", message: "required: the command that keeps the state (argv)")
        expectError(oneAccount(Self.generic, extra: #""persist": {"save": ["a"]},"#), path: "persist.load", message: "required: the command that prints the kept state (argv)")
        expectError(oneAccount(Self.generic, extra: #""persist": {"save": "a b", "load": ["a"]},"#), path: "persist.save", message: "expected an array, got a string")
        expectError(oneAccount(Self.generic, extra: #""persist": {"save": ["a"], "load": []},"#), path: "persist.load", message: "expected a non-empty array of strings (argv)")
        expectError(oneAccount(Self.generic, extra: #""persist": {"save": [""], "load": ["a"]},"#), path: "persist.save[0]", message: "may not be empty")
        expectError(
            oneAccount(Self.generic, extra: #""persist": {"save": ["a"], "load": ["a"], "file": "x"},"#), path: "persist.file",
            message: "unknown key; valid keys are: save, load")
    }

    @Test(arguments: ["0", "0.5", "301", "-2", "\"30\"", "null", "[30]"])
    func requestTimeoutOutOfRangeOrNotANumber(_ value: String) {
        expectError(
            oneAccount(Self.generic, extra: #""request_timeout": \#(value),"#), path: "request_timeout",
            message: "expected a number of seconds from 1 to 300")
    }

    @Test func requestTimeoutAcceptsTheBoundsAndFractions() throws {
        #expect(try parse(oneAccount(Self.generic, extra: #""request_timeout": 1,"#)).requestTimeout == 1)
        #expect(try parse(oneAccount(Self.generic, extra: #""request_timeout": 300,"#)).requestTimeout == 300)
        #expect(try parse(oneAccount(Self.generic, extra: #""request_timeout": 2.5,"#)).requestTimeout == 2.5)
    }

    @Test func clientSecretFileWithCredentialsDirectory() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rc-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data("s3cr3t-value\n".utf8).write(to: directory.appendingPathComponent("dyn-secret"))
        try Data("\n".utf8).write(to: directory.appendingPathComponent("empty"))

        let relative = try parse(oneAccount(Self.generic + #", "client_secret_file": "dyn-secret""#), credentials: directory.path)
        #expect(relative.accounts[0].clientSecret == "s3cr3t-value")
        #expect(relative.accounts[0].clientAuth == .secretPost)
        #expect(!"\(relative)".contains("s3cr3t-value"))

        let absolute = directory.appendingPathComponent("dyn-secret").path
        let viaAbsolute = try parse(oneAccount(Self.generic + #", "client_secret_file": "\#(absolute)", "client_auth": "basic""#))
        #expect(viaAbsolute.accounts[0].clientSecret == "s3cr3t-value")
        #expect(viaAbsolute.accounts[0].clientAuth == .secretBasic)

        let emptyPath = directory.appendingPathComponent("empty").path
        expectError(
            oneAccount(Self.generic + #", "client_secret_file": "empty""#), path: "accounts.a.client_secret_file",
            message: "\(emptyPath) is empty", credentials: directory.path)
    }

    @Test func loadFromFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rc-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("config.json")
        try Data(oneAccount(Self.generic).utf8).write(to: file)
        #expect(try ConfigLoader.load(path: file.path).accounts.count == 1)

        let missing = directory.appendingPathComponent("missing.json").path
        #expect(
            throws: ConfigError(
                path: missing,
                message: "does not exist: run scripts/install from the source tree to put an annotated example there, "
                    + "or copy config.example.json from the source tree there and edit it, or pass --config PATH")
        ) {
            try ConfigLoader.load(path: missing)
        }
        #expect(throws: ConfigError(path: directory.path, message: "cannot read: Is a directory")) {
            try ConfigLoader.load(path: directory.path)
        }
        try Data("{\n  \"accounts\": {\n    \"a\": {\"client_id\": \"x\",}\n  }\n}".utf8).write(to: file)
        #expect(throws: ConfigError(path: file.path, message: "line 3, column 28: trailing comma before '}'")) {
            try ConfigLoader.load(path: file.path)
        }
    }

    @Test func defaultPath() {
        #expect(ConfigLoader.defaultPath(environment: ["XDG_CONFIG_HOME": "/x/cfg/", "HOME": "/home/u"]) == "/x/cfg/redirect-catcher/config.json")
        #expect(ConfigLoader.defaultPath(environment: ["XDG_CONFIG_HOME": "relative", "HOME": "/home/u"]) == "/home/u/.config/redirect-catcher/config.json")
        #expect(ConfigLoader.defaultPath(environment: ["XDG_CONFIG_HOME": "", "HOME": "/home/u"]) == "/home/u/.config/redirect-catcher/config.json")
        #expect(ConfigLoader.defaultPath(environment: [:]) == nil)
    }

    @Test func logLevelsAreOrdered() {
        #expect(LogLevel.debug < .info && LogLevel.info < .notice && LogLevel.notice < .warning && LogLevel.warning < .error)
        #expect(ConfigError(path: "accounts.x.token_url", message: "not an https URL").description == "accounts.x.token_url: not an https URL")
    }
}

@Suite struct ConfigCommentTests {
    @Test func keysStartingWithSlashesAreComments() throws {
        let config = try ConfigLoader.parse(
            Array(
                """
                {"//": "top", "listen": {"//": "port", "port": 8400},
                 "accounts": {"//": "not an account", "a": {"// why": "x", "authorize_url": "https://sso.example.com/a",
                   "token_url": "https://sso.example.com/t", "client_id": "c"}}}
                """.utf8))
        #expect(config.accounts.map(\.name) == ["a"])
    }

    @Test func onlyCommentsIsNoAccount() {
        #expect(throws: ConfigError.self) {
            try ConfigLoader.parse(Array(#"{"accounts": {"//": "nothing"}}"#.utf8))
        }
    }

    @Test func theShippedExampleIsValid() throws {
        let path = #filePath.components(separatedBy: "/Tests/")[0] + "/config.example.json"
        let config = try ConfigLoader.load(path: path)
        #expect(config.accounts.map(\.name) == ["dynamics", "intranet"])
        #expect(config.accounts[0].responseMode == .formPost)
    }
}
