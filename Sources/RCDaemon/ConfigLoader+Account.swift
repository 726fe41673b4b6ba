import Glibc
import RCHTTP
import RCJSON
import RCOAuth

/// Resolves one account entry to ``AccountSettings``: presets expanded, defaults applied,
/// secrets read, and every rule that would otherwise fail later at the provider checked now.
struct AccountContext {
    let listenPort: UInt16
    let credentialsDirectory: String?
    /// The file the config was read from, nil for text parsed in memory.
    let configFile: ConfigFile?
    var warnings: [ConfigError]

    static let validKeys = [
        "provider", "tenant", "authority", "authorize_url", "token_url", "issuer", "client_id", "client_secret",
        "client_secret_file", "client_certificate_file", "client_key_file", "client_assertion_alg", "client_auth",
        "scopes", "resource", "redirect_uri", "response_mode", "extra_authorize_params", "ca_file", "tokens",
        "user", "grant", "signin_flow", "device_authorization_url",
    ]

    mutating func account(name: String, node: ConfigNode) throws(ConfigError) -> AccountSettings {
        try checkName(name, node: node)
        _ = try node.object(validKeys: Self.validKeys)
        warnAboutPlaceholders(in: node, key: name)

        var provider = Provider.generic
        if let providerNode = node.member("provider") {
            let text = try providerNode.string()
            guard let value = Provider(rawValue: text) else {
                throw providerNode.error("unknown provider \"\(text)\": use generic, entra, entra-v1 or adfs")
            }
            provider = value
        }

        let grant = try self.grant(node: node)
        let (authorizeURL, tokenURL, presetIssuer) =
            grant == .clientCredentials && provider == .generic
            ? try applicationEndpoints(node: node) : try endpoints(provider: provider, node: node)
        // A generic account with an issuer and neither endpoint: the daemon reads them from
        // the issuer's metadata at start-up.
        let discoversEndpoints = grant == .authorizationCode && provider == .generic && authorizeURL.isEmpty
        var issuer = presetIssuer
        if let issuerNode = node.member("issuer") {
            let text = try issuerNode.nonEmptyString()
            try check(issuerNode) { () throws(URLPolicyError) in try URLPolicy.checkEndpoint(text) }
            if discoversEndpoints {
                // OpenID Connect Discovery §3: the metadata lives under the issuer, which has no query.
                try check(issuerNode) { () throws(URLPolicyError) in try URLPolicy.checkAuthority(text) }
            }
            issuer = text
        }

        let clientID = try node.child("client_id").nonEmptyStringIfPresent(required: "required: the application (client) id")
        checkClientID(clientID, provider: provider, node: node.child("client_id"))
        let clientSecret = try secret(node: node)
        let clientCertificate = try certificate(node: node, provider: provider)
        if clientSecret != nil, clientCertificate != nil {
            throw node.child("client_certificate_file").error(
                "a client authenticates one way: set client_secret(_file) or client_certificate_file, not both")
        }
        var clientAuth = clientSecret != nil ? ClientAuth.secretPost : clientCertificate != nil ? .privateKeyJWT : .none
        if let authNode = node.member("client_auth") {
            let text = try authNode.string()
            switch (text, clientSecret != nil, clientCertificate != nil) {
            case ("post", true, _): clientAuth = .secretPost
            case ("basic", true, _): clientAuth = .secretBasic
            case ("private_key_jwt", _, true): clientAuth = .privateKeyJWT
            case ("post", false, _), ("basic", false, _):
                throw authNode.error("\(text) sends a secret: it needs client_secret or client_secret_file")
            case ("private_key_jwt", _, false):
                throw authNode.error("private_key_jwt needs client_certificate_file and client_key_file")
            default: throw authNode.error("must be \"post\", \"basic\" or \"private_key_jwt\"")
            }
        }

        let scopes = try self.scopes(node: node)
        let resource = try node.member("resource").map { (resourceNode) throws(ConfigError) in try resourceNode.nonEmptyString() }
        if grant == .clientCredentials {
            try checkClientCredential(clientAuth: clientAuth, node: node)
            try checkClientCredentialsTenant(provider: provider, node: node)
            try checkClientCredentialsAudience(provider: provider, scopes: scopes, resource: resource, node: node)
        }
        try checkAudience(provider: provider, scopes: scopes, resource: resource, node: node, grant: grant)
        let tokens = try self.tokens(provider: provider, node: node, grant: grant)

        let redirectURI: String
        if let redirectNode = node.member("redirect_uri") {
            let text = try redirectNode.string()
            do {
                redirectURI = try URLPolicy.redirectURI(text, listenPort: listenPort)
            } catch {
                throw redirectNode.error(error.message)
            }
            // Entra's redirect URI rules support localhost and 127.0.0.1 but not [::1]: the
            // sign-in would end at Entra's AADSTS50011 page, never reaching the daemon.
            if provider == .entra || provider == .entraV1, redirectURI.hasPrefix("http://[::1]") {
                throw redirectNode.error(
                    "Entra does not support [::1] in redirect URIs (AADSTS50011): use http://localhost:\(listenPort)/callback")
            }
        } else {
            // With listen.port 0 this is the placeholder http://localhost:0/callback: the port is
            // only known after binding, and the daemon puts it in place of the 0.
            redirectURI = "http://localhost:\(listenPort)/callback"
        }

        var responseMode: ResponseMode = provider == .entra || provider == .entraV1 ? .formPost : .query
        if let modeNode = node.member("response_mode") {
            switch try modeNode.string() {
            case "query": responseMode = .query
            case "form_post": responseMode = .formPost
            case "fragment":
                throw modeNode.error(
                    "fragment cannot work: a URL fragment stays in the browser and never reaches the listener; use query or form_post")
            default: throw modeNode.error("must be \"query\" or \"form_post\"")
            }
        }

        var extras: [AuthorizeParameter] = []
        if let extraNode = node.member("extra_authorize_params") {
            let object = try extraNode.object()
            for key in object.keys {
                let member = extraNode.child(key)
                guard !key.isEmpty else { throw member.error("a parameter name may not be empty") }
                guard !AuthorizeRequest.reservedParameters.contains(key) else {
                    throw member.error("set by redirect-catcher itself and cannot be overridden here")
                }
                extras.append(AuthorizeParameter(name: key, value: try member.string()))
            }
        }

        var caFile: String?
        if let caNode = node.member("ca_file") {
            let path = try caNode.nonEmptyString()
            guard path.hasPrefix("/") else { throw caNode.error("must be an absolute path") }
            guard access(path, R_OK) == 0 else {
                throw caNode.error("cannot read \(path): " + ConfigLoader.errorText(errno))
            }
            caFile = path
        }

        let user = try node.member("user").map { (userNode) throws(ConfigError) in
            let text = try userNode.string()
            if let problem = TokenFormatRequest.userProblem(text) { throw userNode.error(problem) }
            return text
        }

        let (flow, deviceURL) = try signInFlow(
            provider: provider, authority: node.member("authority").flatMap { try? $0.string() },
            tenant: node.member("tenant").flatMap { try? $0.string() }, discovers: discoversEndpoints, node: node)

        return AccountSettings(
            name: name, provider: provider, authorizeURL: authorizeURL, tokenURL: tokenURL, issuer: issuer,
            clientID: clientID, clientSecret: clientSecret, clientAuth: clientAuth, clientCertificate: clientCertificate,
            scopes: scopes, resource: resource,
            redirectURI: redirectURI, responseMode: responseMode, extraAuthorizeParams: extras, caFile: caFile,
            tokens: tokens, discoversEndpoints: discoversEndpoints, user: user, grant: grant, signInFlow: flow,
            deviceAuthorizationURL: deviceURL)
    }

    private func checkName(_ name: String, node: ConfigNode) throws(ConfigError) {
        guard TokenLabel.isValidName(name) else {
            throw node.error("not a valid account name: use 1 to 64 characters from A-Z a-z 0-9 _ -")
        }
        guard name != "control" else {
            throw node.error("\"control\" is reserved for the control socket: choose another name")
        }
    }

    private func endpoints(provider: Provider, node: ConfigNode) throws(ConfigError) -> (String, String, String?) {
        let authorityNode = node.member("authority")
        let tenantNode = node.member("tenant")
        if provider == .generic {
            if let authorityNode { throw authorityNode.error("only for provider entra, entra-v1 or adfs") }
            if let tenantNode { throw tenantNode.error("only for provider entra or entra-v1") }
            if node.member("issuer") != nil, node.member("authorize_url") == nil, node.member("token_url") == nil {
                return ("", "", nil)
            }
            var urls: [String] = []
            for key in ["authorize_url", "token_url"] {
                guard let urlNode = node.member(key) else {
                    throw node.child(key).error(
                        "required for a generic account (or set only issuer to discover both, or set provider to entra, entra-v1 or adfs)")
                }
                let text = try urlNode.nonEmptyString()
                try check(urlNode) { () throws(URLPolicyError) in try URLPolicy.checkEndpoint(text) }
                urls.append(text)
            }
            return (urls[0], urls[1], nil)
        }
        for key in ["authorize_url", "token_url"] {
            if let urlNode = node.member(key) {
                throw urlNode.error(
                    "provider \(provider.rawValue) sets this from its tenant and authority: remove it or drop provider")
            }
        }
        var authority: String?
        if let authorityNode {
            let text = try authorityNode.nonEmptyString()
            try check(authorityNode) { () throws(URLPolicyError) in try URLPolicy.checkAuthority(text) }
            if provider == .entra || provider == .entraV1 { try checkEntraAuthority(text, node: authorityNode) }
            authority = text
        }
        var tenant: String?
        switch provider {
        case .entra, .entraV1:
            guard let tenantNode else {
                throw node.child("tenant").error(
                    "required for provider \(provider.rawValue): a GUID, a domain such as contoso.onmicrosoft.com, organizations, common or consumers")
            }
            let text = try tenantNode.nonEmptyString()
            guard ProviderPreset.isValidTenant(text) else {
                throw tenantNode.error("not a tenant: use a GUID, a domain name, organizations, common or consumers")
            }
            tenant = text
        case .adfs, .generic:
            if let tenantNode { throw tenantNode.error("only for provider entra or entra-v1") }
            guard authority != nil else {
                throw node.child("authority").error("required for provider adfs, like https://adfs.contoso.com/adfs")
            }
        }
        guard let preset = ProviderPreset.endpoints(provider: provider, authority: authority, tenant: tenant) else {
            throw node.error("cannot derive endpoints for provider \(provider.rawValue)")
        }
        return (preset.authorize, preset.token, preset.issuer)
    }

    /// The Entra portal shows the authority with the tenant in it; the presets add the tenant
    /// themselves, so such an authority would name the tenant twice in every URL and fail only
    /// at sign-in. A path is refused here, with the split to make.
    private func checkEntraAuthority(_ text: String, node: ConfigNode) throws(ConfigError) {
        guard let url = try? WebURL.parse(text), url.path.contains(where: { $0 != "/" }) else { return }
        let segment = url.path.split(separator: "/").first.map(String.init)
        let tenant = segment.flatMap { ProviderPreset.isValidTenant($0) ? $0 : nil } ?? "the tenant"
        throw node.error("\(text) includes a path; put the host alone in authority and \(tenant) in tenant")
    }

    private mutating func secret(node: ConfigNode) throws(ConfigError) -> String? {
        let inline = node.member("client_secret")
        let file = node.member("client_secret_file")
        if inline != nil, let file { throw file.error("set client_secret or client_secret_file, not both") }
        if let inline {
            let secret = try inline.nonEmptyString()
            if let configFile {
                warnIfReadableByOthers(path: configFile.path, mode: configFile.mode, holding: "this client secret", node: inline)
            }
            return secret
        }
        guard let file else { return nil }
        let (path, content) = try credentialFile(file, holding: "the client secret")
        var bytes = content
        // Editors and `echo` add a final newline that is not part of the secret.
        while let last = bytes.last, last == 0x0A || last == 0x0D { bytes.removeLast() }
        guard !bytes.isEmpty else { throw file.error("\(path) is empty") }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw file.error("\(path) is not UTF-8 text") }
        return text
    }

    mutating func scopes(node: ConfigNode) throws(ConfigError) -> [String] {
        guard let scopesNode = node.member("scopes") else { return [] }
        var scopes: [String] = []
        for element in try scopesNode.array() {
            let scope = try element.string()
            // RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
            let valid = !scope.isEmpty && scope.utf8.allSatisfy { $0 == 0x21 || (0x23...0x5B).contains($0) || (0x5D...0x7E).contains($0) }
            guard valid else {
                throw element.error("not a scope: use printable ASCII without spaces, quotes or backslashes (RFC 6749 §3.3)")
            }
            scopes.append(scope)
        }
        return scopes
    }

    /// Each provider names the API a token is for its own way. `extra` is for an entry of
    /// `tokens`: it must ask for something (else it is the account's own token), and
    /// `offline_access` is the sign-in's business, not its.
    mutating func checkAudience(
        provider: Provider, scopes: [String], resource: String?, node: ConfigNode, extra: Bool = false,
        grant: AccountGrant = .authorizationCode
    ) throws(ConfigError) {
        warnAboutDynamicsAudience(node: node)
        switch provider {
        case .entra:
            if resource != nil {
                throw node.child("resource").error(
                    extra
                        ? "entra (v2) uses scopes, not resource: use {\"scopes\": [\"RESOURCE/.default\"]}"
                        : "entra (v2) uses scopes, not resource: move it into scopes as RESOURCE/.default or use provider entra-v1")
            }
            guard !scopes.isEmpty else {
                throw node.child("scopes").error(
                    "required for provider entra, for example [\"https://graph.microsoft.com/.default\"\(extra ? "" : ", \"offline_access\"")]")
            }
            if !extra, grant == .authorizationCode, !scopes.contains("offline_access") {
                warnings.append(
                    node.child("scopes").error(
                        "no offline_access: Entra will not issue a refresh token, so every expiry needs a browser sign-in"))
            }
        case .entraV1:
            if node.member("scopes") != nil {
                throw node.child("scopes").error(
                    extra
                        ? "entra-v1 uses resource, not scopes: use {\"resource\": \"https://...\"}"
                        : "entra-v1 uses resource, not scopes: set resource, or use provider entra for scopes")
            }
            guard resource != nil else {
                throw node.child("resource").error(
                    "required for provider entra-v1: the API's App ID URI or URL\(extra ? "" : ", such as https://contoso.operations.dynamics.com")")
            }
        case .adfs, .generic:
            guard resource != nil || !scopes.isEmpty else {
                if extra { throw node.error("set scopes or resource: the token is otherwise the account's own") }
                if provider == .adfs { throw node.child("resource").error("provider adfs needs resource, scopes or both") }
                return
            }
        }
    }

    /// Dynamics 365 Finance and Operations answers 401 to a token whose audience has a trailing
    /// slash or upper-case letters, although Entra issues such a token without a word: the
    /// `resource`, or a `.default` scope's resource part, must be the environment URL exactly.
    mutating func warnAboutDynamicsAudience(node: ConfigNode) {
        var audiences: [(ConfigNode, String)] = []
        if let resourceNode = node.member("resource"), let resource = try? resourceNode.string() {
            audiences.append((resourceNode, resource))
        }
        for element in (try? node.member("scopes")?.array()) ?? [] {
            guard let scope = try? element.string(), scope.hasSuffix("/.default") else { continue }
            audiences.append((element, String(scope.dropLast("/.default".count))))
        }
        for (audienceNode, audience) in audiences {
            let afterScheme = audience.firstRange(of: "://").map { audience[$0.upperBound...] } ?? Substring(audience)
            let host = afterScheme.prefix { $0 != "/" }.lowercased()
            guard host.hasSuffix(".dynamics.com") else { continue }
            var fixed = audience.lowercased()
            while fixed.hasSuffix("/") { fixed.removeLast() }
            guard fixed != audience else { continue }
            warnings.append(
                audienceNode.error(
                    "\(audience): Dynamics 365 refuses tokens for an audience with a trailing slash or upper-case letters (HTTP 401), "
                        + "although Entra issues them: use \(fixed)"))
        }
    }

    /// Runs a URL rule and reports its failure at `node`'s path.
    private func check(_ node: ConfigNode, _ rule: () throws(URLPolicyError) -> Void) throws(ConfigError) {
        do {
            try rule()
        } catch {
            throw node.error(error.message)
        }
    }
}

extension ConfigNode {
    /// The member's non-empty string; `required` is the message when the member is absent.
    func nonEmptyStringIfPresent(required: String) throws(ConfigError) -> String {
        guard value != .null else { throw error(required) }
        return try nonEmptyString()
    }
}
