import RCHTTP
import RCJSON
import RCOAuth

/// One device code the provider handed out (RFC 8628 §3.2), and what the person did with it.
struct DeviceGrant: Sendable {
    enum Decision: Sendable, Equatable { case pending, approved, denied, redeemed }

    var clientID: String
    var userCode: String
    var scope: String?
    var resource: String?
    var expiresAt: Double
    /// The seconds the client must leave between polls: the advertised interval (or the
    /// stricter minimum the options set), plus 5 for each `slow_down` given (§3.5).
    var requiredInterval: Double
    /// When the last poll (or, before the first, the device authorization) arrived.
    var lastSeen: Double
    var slowDowns = 0
    var decision = Decision.pending
}

/// The device authorization endpoint (`POST .../devicecode`), the device code grant at the
/// token endpoint, and the test-control decision (`POST .../device`) that stands in for the
/// person entering the code. Every poll's distance from the previous one is recorded, so a
/// test proves that the daemon honours `interval` and `slow_down`.
enum DeviceAuthorizationEndpoint {
    /// `POST .../devicecode`: codes for a known client.
    static func authorize(body: [UInt8], contentType: String?, store: inout GrantStore, context: GrantContext, verificationURI: String) -> Reply {
        let request: TokenRequest
        do {
            request = try TokenRequest.parse(contentType: contentType, authorization: nil, body: body)
        } catch {
            return .json(error.status, TokenResponseBody.error(error, now: context.wallNow))
        }
        store.stats.deviceAuthorizations += 1
        guard let clientID = request["client_id"], context.options.clients.contains(where: { $0.id == clientID }) else {
            let error = TokenError.invalidClient(700016, "Application with identifier '\(request["client_id"] ?? "")' was not found.", basic: false)
            return .json(error.status, TokenResponseBody.error(error, now: context.wallNow))
        }
        let options = context.options
        let deviceCode = GrantStore.randomToken()
        let userCode = Self.userCode()
        store.deviceGrants[deviceCode] = DeviceGrant(
            clientID: clientID, userCode: userCode, scope: request["scope"], resource: request["resource"],
            expiresAt: context.now + Double(options.deviceCodeLifetime),
            requiredInterval: options.deviceMinimumPollInterval ?? Double(options.deviceCodeInterval), lastSeen: context.now)
        store.stats.deviceUserCodes.append(userCode)
        var members: [(key: String, value: JSONValue)] = [("device_code", .string(deviceCode)), ("user_code", .string(userCode))]
        // Entra v1 names it verification_url and sends numbers as strings.
        if options.responseShape == .entraV1 {
            members += [
                ("verification_url", .string(verificationURI)), ("expires_in", .string(String(options.deviceCodeLifetime))),
                ("interval", .string(String(options.deviceCodeInterval))),
            ]
        } else {
            members += [
                ("verification_uri", .string(verificationURI)),
                ("expires_in", .number(JSONNumber(Int64(options.deviceCodeLifetime)))),
                ("interval", .number(JSONNumber(Int64(options.deviceCodeInterval)))),
            ]
            if options.responseShape == .adfs {
                members.append(("verification_uri_complete", .string(verificationURI + "?user_code=" + FormEncoding.percentEncode(userCode))))
            }
        }
        members.append(("message", .string("To sign in, use a web browser to open the page \(verificationURI) and enter the code \(userCode) to authenticate.")))
        return .json(200, .object(JSONObject(members)))
    }

    /// `POST .../device` with `user_code` and `decision` (`approve` or `deny`): the person's answer.
    static func decide(body: [UInt8], store: inout GrantStore) -> Reply {
        let pairs = (try? FormDecoding.decode(String(decoding: body, as: UTF8.self))) ?? []
        let fields = Dictionary(pairs.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
        guard let userCode = fields["user_code"], let decision = fields["decision"], ["approve", "deny"].contains(decision) else {
            return .plain(400, "expected user_code and decision=approve|deny")
        }
        return store.decideDeviceCode(userCode: userCode, approve: decision == "approve") ? .plain(200, "ok") : .plain(404, "no such pending code")
    }

    /// Eight letters as XXXX-XXXX, from an alphabet without look-alikes.
    static func userCode() -> String {
        let alphabet = Array("BCDFGHJKLMNPQRSTVWXZ")
        let letters = SecureRandomIndexes.draw(8, below: alphabet.count).map { alphabet[$0] }
        return String(letters[0..<4]) + "-" + String(letters[4..<8])
    }
}

/// Random indexes for user codes, from the provider's CSPRNG-backed token generator.
private enum SecureRandomIndexes {
    static func draw(_ count: Int, below bound: Int) -> [Int] {
        let bytes = Array(GrantStore.randomToken().utf8)
        return (0..<count).map { Int(bytes[$0 % bytes.count]) % bound }
    }
}

extension GrantStore {
    /// The person's decision on `userCode`; false when no pending code has it.
    mutating func decideDeviceCode(userCode: String, approve: Bool) -> Bool {
        guard let key = deviceGrants.first(where: { $0.value.userCode == userCode && $0.value.decision == .pending })?.key else { return false }
        deviceGrants[key]?.decision = approve ? .approved : .denied
        return true
    }

    /// The device code grant (RFC 8628 §3.4, §3.5), with Entra's error names and codes.
    mutating func redeemDeviceCode(_ request: TokenRequest, client: TestClient, _ context: GrantContext) throws(TokenError) -> IssuedTokens {
        guard let code = request["device_code"], !code.isEmpty, var grant = deviceGrants[code], grant.clientID == client.id else {
            throw TokenError(status: 400, error: "bad_verification_code", code: 70000, message: "The device code is not valid.")
        }
        let since = context.now - grant.lastSeen
        stats.devicePollIntervals.append(since)
        grant.lastSeen = context.now
        defer { deviceGrants[code] = grant }
        guard grant.expiresAt > context.now, grant.decision != .redeemed else {
            throw TokenError(status: 400, error: "expired_token", code: 70020, message: "The provided value for the input parameter 'device_code' is not valid; the code has expired.")
        }
        // A little slack for timers that fire a hair early; the daemon should never need it.
        if since < grant.requiredInterval - 0.05 {
            grant.slowDowns += 1
            grant.requiredInterval = Double(context.options.deviceCodeInterval + 5 * grant.slowDowns)
            stats.deviceSlowDowns += 1
            throw TokenError(status: 400, error: "slow_down", code: 70000, message: "Polling too fast; slow down.")
        }
        switch grant.decision {
        case .pending:
            throw TokenError(
                status: 400, error: "authorization_pending", code: 70016,
                message: "The provided request has not yet been authorized by the user. The user must input their code.")
        case .denied:
            let name = context.options.responseShape == .generic ? "access_denied" : "authorization_declined"
            throw TokenError(status: 400, error: name, code: 70000, message: "The user declined the sign-in.")
        case .approved, .redeemed:
            break
        }
        if context.options.deviceCodeBlockedByConditionalAccess {
            throw TokenError(
                status: 400, error: "invalid_grant", code: 53003,
                message: "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.")
        }
        grant.decision = .redeemed
        let family = nextFamily
        nextFamily += 1
        families[family] = Family(
            clientID: client.id, scope: grant.scope, resource: grant.resource,
            refreshExpiresAt: context.now + Double(context.options.refreshTokenLifetime))
        stats.deviceGrants += 1
        return issueTokens(family: family, context)
    }
}
