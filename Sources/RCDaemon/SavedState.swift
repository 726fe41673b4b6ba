import RCCrypto
import RCJSON
import RCOAuth

/// What survives a restart: per account, the fingerprint of the settings its tokens were
/// issued under, its refresh token and that token's end, and its access tokens with their
/// wall-clock expiry. The daemon hands it to systemd's file descriptor store in a sealed memfd
/// and, with `persist`, to the person's `save` command; it never writes it to a file.
///
/// The encoding is JSON with a format name and a version. Decoding is pure and total: bytes
/// that are cut short, damaged or of another version give a reason, never a partial state.
/// The reasons never quote the bytes, which hold tokens.
struct SavedState: Equatable {
    /// The version this build writes and reads. A state of any other version is not restored.
    static let version: Int64 = 1
    static let formatName = "redirect-catcher state"
    /// Far above what any configuration produces (a few KiB per account): a larger input is
    /// not ours.
    static let maxBytes = 4 << 20

    /// One access token: `name` is nil for the account's own, the extra token's name otherwise.
    struct Token: Equatable {
        let name: String?
        let value: String
        /// Wall-clock seconds since the epoch.
        let expiresAt: Int64
        let lifetime: Double
    }

    struct Account: Equatable {
        let name: String
        /// ``SavedState/fingerprint(_:)`` of the settings the tokens were issued under.
        let fingerprint: String
        /// nil: the sign-in brought none, and only the account's own access token is kept.
        let refreshToken: String?
        /// Wall-clock seconds since the epoch, when the provider gave an end date (AD FS).
        let refreshTokenExpiresAt: Int64?
        let refreshTokenLifetime: Double?
        let tokens: [Token]
    }

    /// Wall-clock seconds since the epoch when the state was taken.
    var savedAt: Int64
    var accounts: [Account]

    /// Why bytes gave no state.
    enum DecodeError: Error, Equatable, CustomStringConvertible {
        case empty
        case tooLarge(Int)
        case notJSON
        case notState
        case unknownVersion(String)
        case malformed(String)

        var description: String {
            switch self {
            case .empty: "it is empty"
            case .tooLarge(let count): "it is \(count) bytes, more than the \(SavedState.maxBytes) a state can be"
            case .notJSON: "it is not valid JSON (cut short or damaged)"
            case .notState: "it is not a redirect-catcher state"
            case .unknownVersion(let version): "it has version \(version), and this build reads version \(SavedState.version) only"
            case .malformed(let what): "it is damaged: \(what)"
            }
        }
    }

    // MARK: Encoding

    func encoded() -> [UInt8] {
        let accounts = self.accounts.map { account -> JSONValue in
            var members: [(key: String, value: JSONValue)] = [
                ("name", .string(account.name)), ("fingerprint", .string(account.fingerprint)),
            ]
            if let refreshToken = account.refreshToken { members.append(("refresh_token", .string(refreshToken))) }
            if let at = account.refreshTokenExpiresAt { members.append(("refresh_token_expires_at", .number(JSONNumber(at)))) }
            if let lifetime = account.refreshTokenLifetime.flatMap(JSONNumber.init) {
                members.append(("refresh_token_lifetime", .number(lifetime)))
            }
            let tokens = account.tokens.map { token -> JSONValue in
                var members: [(key: String, value: JSONValue)] = []
                if let name = token.name { members.append(("name", .string(name))) }
                members += [("access_token", .string(token.value)), ("expires_at", .number(JSONNumber(token.expiresAt)))]
                members.append(("lifetime", .number(JSONNumber(token.lifetime) ?? JSONNumber(Int64(token.lifetime)))))
                return .object(JSONObject(members))
            }
            members.append(("tokens", .array(tokens)))
            return .object(JSONObject(members))
        }
        let root = JSONObject([
            ("format", .string(Self.formatName)), ("version", .number(JSONNumber(Self.version))),
            ("saved_at", .number(JSONNumber(savedAt))), ("accounts", .array(accounts)),
        ])
        return Array(JSONWriter.write(.object(root)).utf8)
    }

    // MARK: Decoding

    static func decode(_ bytes: [UInt8]) -> Result<SavedState, DecodeError> {
        guard !bytes.isEmpty else { return .failure(.empty) }
        guard bytes.count <= maxBytes else { return .failure(.tooLarge(bytes.count)) }
        guard case .object(let root)? = try? JSONParser.parse(bytes) else { return .failure(.notJSON) }
        guard root["format"]?.stringValue == formatName else { return .failure(.notState) }
        guard let version = root["version"]?.numberValue else { return .failure(.malformed("no version")) }
        guard version.int64 == Self.version else { return .failure(.unknownVersion(version.description)) }
        do throws(DecodeError) {
            guard let savedAt = root["saved_at"]?.numberValue?.int64 else { throw .malformed("no saved_at") }
            guard let list = root["accounts"]?.arrayValue else { throw .malformed("no accounts") }
            var accounts: [Account] = []
            for (index, value) in list.enumerated() {
                let account = try Self.account(value, at: "accounts[\(index)]")
                guard !accounts.contains(where: { $0.name == account.name }) else { throw .malformed("account \(account.name) twice") }
                accounts.append(account)
            }
            return .success(SavedState(savedAt: savedAt, accounts: accounts))
        } catch {
            return .failure(error)
        }
    }

    private static func account(_ value: JSONValue, at path: String) throws(DecodeError) -> Account {
        guard let object = value.objectValue else { throw .malformed("\(path) is not an object") }
        guard let name = object["name"]?.stringValue, !name.isEmpty else { throw .malformed("\(path) has no name") }
        guard let fingerprint = object["fingerprint"]?.stringValue else { throw .malformed("account \(name) has no fingerprint") }
        let refreshToken = try optionalString(object["refresh_token"], "account \(name)'s refresh_token")
        let expiresAt = try optionalInteger(object["refresh_token_expires_at"], "account \(name)'s refresh_token_expires_at")
        let lifetime = try optionalNumber(object["refresh_token_lifetime"], "account \(name)'s refresh_token_lifetime")
        guard (expiresAt == nil) == (lifetime == nil) else { throw .malformed("account \(name)'s refresh token end is incomplete") }
        guard refreshToken != nil || expiresAt == nil else { throw .malformed("account \(name) has an end date but no refresh token") }
        guard let list = object["tokens"]?.arrayValue else { throw .malformed("account \(name) has no tokens") }
        var tokens: [Token] = []
        for (index, value) in list.enumerated() {
            guard let token = value.objectValue else { throw .malformed("account \(name)'s tokens[\(index)] is not an object") }
            let tokenName = try optionalString(token["name"], "account \(name)'s tokens[\(index)].name")
            guard let access = token["access_token"]?.stringValue, !access.isEmpty,
                let expires = token["expires_at"]?.numberValue?.int64,
                let lifetime = token["lifetime"]?.numberValue?.double, lifetime > 0, lifetime.isFinite
            else { throw .malformed("account \(name)'s tokens[\(index)] is incomplete") }
            guard !tokens.contains(where: { $0.name == tokenName }) else { throw .malformed("account \(name) has a token twice") }
            tokens.append(Token(name: tokenName, value: access, expiresAt: expires, lifetime: lifetime))
        }
        guard refreshToken != nil || !tokens.isEmpty else { throw .malformed("account \(name) has neither refresh nor access token") }
        return Account(
            name: name, fingerprint: fingerprint, refreshToken: refreshToken, refreshTokenExpiresAt: expiresAt,
            refreshTokenLifetime: lifetime, tokens: tokens)
    }

    private static func optionalString(_ value: JSONValue?, _ what: String) throws(DecodeError) -> String? {
        guard let value else { return nil }
        guard let text = value.stringValue, !text.isEmpty else { throw .malformed("\(what) is not a string") }
        return text
    }

    private static func optionalInteger(_ value: JSONValue?, _ what: String) throws(DecodeError) -> Int64? {
        guard let value else { return nil }
        guard let number = value.numberValue?.int64 else { throw .malformed("\(what) is not an integer") }
        return number
    }

    private static func optionalNumber(_ value: JSONValue?, _ what: String) throws(DecodeError) -> Double? {
        guard let value else { return nil }
        guard let number = value.numberValue?.double, number.isFinite, number > 0 else { throw .malformed("\(what) is not a positive number") }
        return number
    }

    // MARK: Fingerprint

    /// SHA-256 (hex) over a canonical encoding of what the tokens were issued under: the
    /// provider, the endpoints and issuer, the client and how it authenticates, a hash of its
    /// credential (never the secret itself), the scopes and resource, and each extra token's
    /// name, scopes and resource. The redirect URI and the SASL user are left out: they change
    /// nothing about a token (with `listen.port` 0, the port differs at every start).
    static func fingerprint(_ settings: AccountSettings) -> String {
        let credential: JSONValue =
            if let secret = settings.clientSecret {
                .string("secret:" + hex(SHA256.hash("redirect-catcher client secret\u{0}" + secret)))
            } else if let certificate = settings.clientCertificate {
                .string("certificate:" + certificate.thumbprint + ":" + certificate.algorithm.rawValue + ":" + certificate.header.rawValue)
            } else {
                .null
            }
        let strings = { (list: [String]) in JSONValue.array(list.map(JSONValue.string)) }
        let optional = { (text: String?) in text.map(JSONValue.string) ?? .null }
        let canonical: JSONValue = .array([
            .number(JSONNumber(version)), .string(settings.provider.rawValue), .string(settings.authorizeURL),
            .string(settings.tokenURL), optional(settings.issuer), .string(settings.clientID), .string(settings.clientAuth.rawValue),
            credential, strings(settings.scopes), optional(settings.resource),
            .array(settings.tokens.map { .array([.string($0.name), strings($0.scopes), optional($0.resource)]) }),
        ])
        return hex(SHA256.hash(JSONWriter.write(canonical)))
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// The state's decoder as the libFuzzer target in `Fuzz/` sees it (``SavedState`` itself is
/// the daemon's own business).
public enum SavedStateDecoding {
    /// Decodes `bytes`; when they are a state, checks that it encodes and decodes back to
    /// itself. False only when that round trip breaks, which is a bug.
    public static func roundTripHolds(_ bytes: [UInt8]) -> Bool {
        guard case .success(let state) = SavedState.decode(bytes) else { return true }
        return SavedState.decode(state.encoded()) == .success(state)
    }
}
