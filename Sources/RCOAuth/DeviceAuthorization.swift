import RCJSON

/// A device authorization response (RFC 8628 §3.2): what the person is shown, and the device
/// code the daemon polls with. Holds the device code, so its description shows only its length.
public struct DeviceAuthorization: Sendable, Equatable {
    public var deviceCode: String
    /// The short code the person enters at ``verificationURI``.
    public var userCode: String
    public var verificationURI: String
    /// The page with the code already filled in (AD FS sends it; Entra does not).
    public var verificationURIComplete: String?
    /// Seconds until the codes expire, clamped to ``lifetimeRange``.
    public var expiresInSeconds: Int64
    /// Seconds between polls, clamped to ``intervalRange``; 5 when the provider does not say (§3.2).
    public var intervalSeconds: Int64

    /// RFC 8628 §3.2: `interval` defaults to 5 seconds.
    public static let defaultInterval: Int64 = 5
    /// RFC 8628 §3.5: each `slow_down` adds 5 seconds to the interval.
    public static let slowDownIncrement: Int64 = 5
    /// Polls closer than a second apart serve nobody; one a minute apart already feels stuck.
    public static let intervalRange: ClosedRange<Int64> = 1...60
    /// `expires_in` is required (§3.2); Entra's is 15 minutes. Longer than an hour is not believed.
    public static let lifetimeRange: ClosedRange<Int64> = 1...3600
    /// Assumed when a provider leaves `expires_in` out, as Entra's default.
    public static let assumedLifetime: Int64 = 900
    /// A user code is typed by a person; anything longer is not one (RFC 8628 §6.1).
    public static let maximumUserCodeLength = 64

    public init(
        deviceCode: String, userCode: String, verificationURI: String, verificationURIComplete: String? = nil,
        expiresInSeconds: Int64 = assumedLifetime, intervalSeconds: Int64 = defaultInterval
    ) {
        self.deviceCode = deviceCode
        self.userCode = userCode
        self.verificationURI = verificationURI
        self.verificationURIComplete = verificationURIComplete
        self.expiresInSeconds = expiresInSeconds
        self.intervalSeconds = intervalSeconds
    }

    /// Reads the device authorization endpoint's answer. An error object is read as a token
    /// endpoint error is (RFC 8628 §3.2 points to RFC 6749 §5.2), so Entra's codes and advice
    /// come with it. Entra's v1 endpoint says `verification_url`; numbers may come as strings.
    public static func parse(status: Int, contentType: String?, body: [UInt8]) -> DeviceAuthorizationResult {
        switch TokenResponse.parse(status: status, contentType: contentType, body: body, now: 0) {
        case .failure(let error) where error.code != nil || !(200...299).contains(status):
            return .failure(error)
        case .failure, .success:
            break
        }
        guard let object = try? JSONParser.parse(body, maxDepth: 16).objectValue else {
            return .failure(TokenError(kind: .transient, description: "the device authorization endpoint did not answer with a JSON object", httpStatus: status))
        }
        func text(_ keys: String...) -> String? {
            for key in keys {
                if let value = object[key]?.stringValue, !value.isEmpty { return value }
            }
            return nil
        }
        func missing(_ what: String) -> DeviceAuthorizationResult {
            .failure(TokenError(kind: .configuration, description: "the device authorization response has no \(what)", httpStatus: status))
        }
        guard let deviceCode = text("device_code") else { return missing("device_code") }
        guard let userCode = text("user_code") else { return missing("user_code") }
        guard userCode.count <= maximumUserCodeLength, userCode.unicodeScalars.allSatisfy(isShowable) else {
            return .failure(TokenError(kind: .configuration, description: "the device authorization response's user_code is not a short printable code", httpStatus: status))
        }
        guard let verification = text("verification_uri", "verification_url") else { return missing("verification_uri") }
        // The person is sent there: only a web address, never a script or a local file.
        guard isWebAddress(verification) else {
            return .failure(TokenError(kind: .configuration, description: "the device authorization response's verification_uri is not an https URL", httpStatus: status))
        }
        let complete = text("verification_uri_complete").flatMap { isWebAddress($0) ? $0 : nil }
        let expiresIn = integer(object["expires_in"]).map { clamp($0, lifetimeRange) } ?? assumedLifetime
        let interval = integer(object["interval"]).map { clamp($0, intervalRange) } ?? defaultInterval
        return .success(
            DeviceAuthorization(
                deviceCode: deviceCode, userCode: userCode, verificationURI: verification, verificationURIComplete: complete,
                expiresInSeconds: expiresIn, intervalSeconds: interval))
    }

    /// One line a person can follow, for the journal, `signin`, status and the notification:
    /// "on any device open URI and enter CODE".
    public var instructions: String { "on any device open \(verificationURI) and enter \(userCode)" }

    private static func isShowable(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value > 0x20 && scalar.value != 0x7F && !(0x80...0x9F).contains(scalar.value) && scalar != "<" && scalar != ">"
            && scalar != "\"" && scalar != "&"
    }

    /// https (or http to a loopback host, for test providers), with no spaces, quotes or angle brackets.
    private static func isWebAddress(_ text: String) -> Bool {
        guard text.count <= 2048, text.unicodeScalars.allSatisfy({ isShowable($0) || $0 == "&" }) else { return false }
        return (try? URLPolicy.checkEndpoint(text)) != nil
    }

    private static func clamp(_ value: Int64, _ range: ClosedRange<Int64>) -> Int64 {
        min(max(value, range.lowerBound), range.upperBound)
    }

    /// A JSON number or a numeric string (some providers send `"interval": "5"`).
    private static func integer(_ value: JSONValue?) -> Int64? {
        switch value {
        case .number(let number)?: return number.int64 ?? number.double.map { $0 >= 9.2e18 ? .max : $0 <= -9.2e18 ? .min : Int64($0) }
        case .string(let text)?: return Int64(text)
        default: return nil
        }
    }
}

/// What a device authorization endpoint answered: codes, or an error read as a token error.
public enum DeviceAuthorizationResult: Sendable, Equatable {
    case success(DeviceAuthorization)
    case failure(TokenError)
}

extension DeviceAuthorization: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        "DeviceAuthorization(deviceCode: <\(deviceCode.utf8.count) bytes>, userCode: \(userCode), verificationURI: \(verificationURI), expiresIn: \(expiresInSeconds), interval: \(intervalSeconds))"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "deviceCode": "<\(deviceCode.utf8.count) bytes>", "userCode": userCode, "verificationURI": verificationURI,
                "expiresInSeconds": expiresInSeconds, "intervalSeconds": intervalSeconds,
            ], displayStyle: .struct)
    }
}
