import Glibc
import Testing

@testable import RCDaemon

/// What a new user gets wrong in the first hour, each found by the loader (so `check-config`
/// prints it and `run` logs it) with its key path and what to do.
@Suite struct ConfigWarningsTests {
    let loader = ConfigLoaderTests()
    static let realHosts = #""authorize_url": "https://sso.fabrikam.test/authorize", "token_url": "https://sso.fabrikam.test/token""#
    static let guid = ConfigLoaderTests.clientGUID

    func warnings(_ account: String, credentials: String? = nil) throws -> [String] {
        try loader.parse(loader.oneAccount(account), credentials: credentials).warnings.map(\.description)
    }

    @Test func theUntouchedExampleWarnsAboutEachPlaceholder() throws {
        let path = #filePath.components(separatedBy: "/Tests/")[0] + "/config.example.json"
        let config = try ConfigLoader.load(path: path)
        #expect(
            config.warnings.map(\.description) == [
                "accounts.dynamics.tenant: contoso.onmicrosoft.com is a placeholder: put your tenant's domain or Directory (tenant) ID here",
                "accounts.dynamics.client_id: 00000000-0000-0000-0000-000000000000 is a placeholder: put your app registration's Application (client) ID here",
                "accounts.dynamics.scopes[0]: contoso.operations.dynamics.com is a placeholder: name your own API here",
                "accounts.intranet.authorize_url: sso.example.com is a placeholder: put your provider's endpoint here",
                "accounts.intranet.token_url: sso.example.com is a placeholder: put your provider's endpoint here",
            ])
    }

    @Test func anglePlaceholdersAnywhereInTheAccount() throws {
        #expect(
            try warnings(Self.realHosts + #", "client_id": "<your client id>", "scopes": ["api://<app>/read"]"#) == [
                "accounts.a.client_id: <your client id> is a placeholder: put your app registration's Application (client) ID here",
                "accounts.a.scopes[0]: <app> is a placeholder: name your own API here",
            ])
        // On Entra the placeholder is the one warning: "not a GUID" would say the same twice. (A
        // tenant of <...> is already an error: not a tenant.)
        #expect(
            try warnings(#""provider": "entra", "tenant": "common", "client_id": "<client>", "scopes": ["offline_access"]"#) == [
                "accounts.a.client_id: <client> is a placeholder: put your app registration's Application (client) ID here"
            ])
        // A secret is never printed, not even a placeholder one; comments are not values.
        #expect(
            try warnings(Self.realHosts + #", "client_id": "c", "client_secret": "<secret>", "// note": "<fill in>""#) == [
                "accounts.a.client_secret: this is a placeholder: put your client secret here"
            ])
    }

    @Test func realLookingValuesAreNotPlaceholders() {
        for text in ["fabrikam.onmicrosoft.com", "https://login.microsoftonline.com", "my-cli", "openid", "api://example/read",
            "https://example.community.test/x", Self.guid]
        {
            #expect(AccountContext.placeholder(in: text) == nil, "\(text)")
        }
        for text in ["https://SSO.Example.COM/a", "https://id.example.org", "user@contoso.com", "adfs.contoso.com"] {
            #expect(AccountContext.placeholder(in: text) != nil, "\(text)")
        }
    }

    @Test func anEntraClientIDThatIsNotAGUIDWarns() throws {
        for provider in ["entra", "entra-v1"] {
            let audience = provider == "entra" ? #""scopes": ["offline_access"]"# : #""resource": "https://api.fabrikam.test""#
            #expect(
                try warnings(#""provider": "\#(provider)", "tenant": "common", "client_id": "my-app", \#(audience)"#) == [
                    "accounts.a.client_id: my-app is not a GUID, and \(provider) client ids are: use the Application (client) ID from the app registration's Overview page"
                ])
            #expect(try warnings(#""provider": "\#(provider)", "tenant": "common", "client_id": "\#(Self.guid)", \#(audience)"#).isEmpty)
        }
        // Other providers name their clients as they like.
        #expect(try warnings(Self.realHosts + #", "client_id": "my-app""#).isEmpty)
        #expect(
            try warnings(#""provider": "adfs", "authority": "https://adfs.fabrikam.test/adfs", "client_id": "my-app", "resource": "urn:x""#)
                .isEmpty)
    }

    @Test func anEntraAuthorityWithTheTenantInItIsAnError() {
        for provider in ["entra", "entra-v1"] {
            let audience = provider == "entra" ? #""scopes": ["offline_access"]"# : #""resource": "https://api.fabrikam.test""#
            let base = #""provider": "\#(provider)", "tenant": "fabrikam.onmicrosoft.com", "client_id": "\#(Self.guid)", \#(audience)"#
            loader.expectError(
                loader.oneAccount(base + #", "authority": "https://login.microsoftonline.us/fabrikam.onmicrosoft.com""#),
                path: "accounts.a.authority",
                message:
                    "https://login.microsoftonline.us/fabrikam.onmicrosoft.com includes a path; put the host alone in authority and fabrikam.onmicrosoft.com in tenant"
            )
            loader.expectError(
                loader.oneAccount(base + #", "authority": "https://login.microsoftonline.us/fabrikam.onmicrosoft.com/v2.0/""#),
                path: "accounts.a.authority",
                message:
                    "https://login.microsoftonline.us/fabrikam.onmicrosoft.com/v2.0/ includes a path; put the host alone in authority and fabrikam.onmicrosoft.com in tenant"
            )
            loader.expectError(
                loader.oneAccount(base + #", "authority": "https://login.microsoftonline.us/~x""#), path: "accounts.a.authority",
                message: "https://login.microsoftonline.us/~x includes a path; put the host alone in authority and the tenant in tenant")
            for host in ["https://login.microsoftonline.us", "https://login.microsoftonline.us/", "https://login.microsoftonline.us//"] {
                #expect(throws: Never.self) { try loader.parse(loader.oneAccount(base + #", "authority": "\#(host)""#)) }
            }
        }
        // AD FS lives under a path: that is its authority.
        #expect(throws: Never.self) {
            try loader.parse(
                loader.oneAccount(#""provider": "adfs", "authority": "https://adfs.fabrikam.test/adfs", "client_id": "c", "resource": "urn:x""#))
        }
    }

    @Test func aSecretOthersCanReadWarnsWithTheChmodToRun() throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        let config = directory + "/config.json"
        writeFile(config, loader.oneAccount(Self.realHosts + #", "client_id": "c", "client_secret": "s3cr3t""#))
        let expected = "accounts.a.client_secret: \(config) holds this client secret and is readable by group and others (mode 0644): run chmod 600 \(config)"
        chmod(config, 0o644)
        #expect(try ConfigLoader.load(path: config).warnings.map(\.description) == [expected])
        chmod(config, 0o600)
        #expect(try ConfigLoader.load(path: config).warnings.isEmpty)

        // Without a secret, a readable config is nobody's business.
        writeFile(config, loader.oneAccount(Self.realHosts + #", "client_id": "c""#))
        chmod(config, 0o644)
        #expect(try ConfigLoader.load(path: config).warnings.isEmpty)

        let secret = directory + "/secret"
        writeFile(secret, "s3cr3t\n")
        let account = Self.realHosts + #", "client_id": "c", "client_secret_file": "secret""#
        chmod(secret, 0o640)
        #expect(
            try warnings(account, credentials: directory) == [
                "accounts.a.client_secret_file: \(secret) holds the client secret and is readable by its group (mode 0640): run chmod 600 \(secret)"
            ])
        chmod(secret, 0o604)
        #expect(try warnings(account, credentials: directory).first?.contains("readable by others (mode 0604)") == true)
        chmod(secret, 0o600)
        #expect(try warnings(account, credentials: directory).isEmpty)
        chmod(secret, 0o400)
        #expect(try warnings(account, credentials: directory).isEmpty)
    }

    @Test func aCommentLineGetsTheMemberForm() {
        let hint = #"; JSON has no comments: write the note as a member, "// note": "..." (keys that start with // are ignored)"#
        for (text, position) in [
            ("{\n  // my work account\n  \"accounts\": {}\n}", "line 2, column 3: expected a member name in double quotes"),
            ("{\n  # my work account\n  \"accounts\": {}\n}", "line 2, column 3: expected a member name in double quotes"),
            ("{\n  /* note */ \"accounts\": {}\n}", "line 2, column 3: expected a member name in double quotes"),
            ("{\"listen\": {\"port\": 8400 // the port\n}}", "line 1, column 26: expected ',' or '}'"),
        ] {
            loader.expectError(text, path: "config", message: position + hint)
        }
        // Other syntax errors are not about comments.
        loader.expectError("{\"accounts\": {},}", path: "config", message: "line 1, column 17: trailing comma before '}'")
        loader.expectError("{\"a\": 1 /", path: "config", message: "line 1, column 9: expected ',' or '}'")
    }

    /// Finance and Operations refuses such audiences with 401 although Entra issues the token.
    @Test func aDynamicsAudienceWithASlashOrCapitalsWarnsWithTheFixedValue() throws {
        let entra = #""provider": "entra", "tenant": "fabrikam.onmicrosoft.com", "client_id": "\#(Self.guid)""#
        #expect(
            try warnings(entra + #", "scopes": ["https://Fabrikam.operations.dynamics.com//.default", "offline_access"]"#) == [
                "accounts.a.scopes[0]: https://Fabrikam.operations.dynamics.com/: Dynamics 365 refuses tokens for an audience with a trailing slash or upper-case letters (HTTP 401), although Entra issues them: use https://fabrikam.operations.dynamics.com"
            ])
        let v1 = #""provider": "entra-v1", "tenant": "fabrikam.onmicrosoft.com", "client_id": "\#(Self.guid)""#
        #expect(
            try warnings(v1 + #", "resource": "https://fabrikam.operations.dynamics.com/""#) == [
                "accounts.a.resource: https://fabrikam.operations.dynamics.com/: Dynamics 365 refuses tokens for an audience with a trailing slash or upper-case letters (HTTP 401), although Entra issues them: use https://fabrikam.operations.dynamics.com"
            ])
        // An extra token's audience too.
        let extra = try warnings(
            v1 + #", "resource": "https://fabrikam.operations.dynamics.com", "tokens": {"crm": {"resource": "https://Fabrikam.crm.dynamics.com"}}"#)
        #expect(extra.count == 1 && extra[0].hasPrefix("accounts.a.tokens.crm.resource: https://Fabrikam.crm.dynamics.com: "), "\(extra)")
        // Exactly right, or not Dynamics: nothing to say.
        #expect(try warnings(v1 + #", "resource": "https://fabrikam.operations.dynamics.com""#).isEmpty)
        #expect(try warnings(entra + #", "scopes": ["https://Graph.Microsoft.com/.default", "offline_access"]"#).isEmpty)
    }

    @Test func anIPv6LoopbackRedirectIsAnErrorOnEntraOnly() throws {
        let entra = #""provider": "entra", "tenant": "fabrikam.onmicrosoft.com", "client_id": "\#(Self.guid)", "scopes": ["offline_access"]"#
        loader.expectError(
            loader.oneAccount(entra + #", "redirect_uri": "http://[::1]:8400/callback""#), path: "accounts.a.redirect_uri",
            message: "Entra does not support [::1] in redirect URIs (AADSTS50011): use http://localhost:8400/callback")
        let v1 = #""provider": "entra-v1", "tenant": "common", "client_id": "\#(Self.guid)", "resource": "https://api.fabrikam.test""#
        loader.expectError(
            loader.oneAccount(v1 + #", "redirect_uri": "http://[::1]:8400/callback""#), path: "accounts.a.redirect_uri",
            message: "Entra does not support [::1] in redirect URIs (AADSTS50011): use http://localhost:8400/callback")
        // Other providers may use it; Entra may use 127.0.0.1.
        #expect(try loader.parse(loader.oneAccount(Self.realHosts + #", "client_id": "c", "redirect_uri": "http://[::1]:8400/callback""#)).accounts.count == 1)
        #expect(try loader.parse(loader.oneAccount(entra + #", "redirect_uri": "http://127.0.0.1:8400/callback""#)).accounts.count == 1)
    }
}
