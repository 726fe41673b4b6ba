import RCJSON

/// Reads a token endpoint response the way Entra v1 and v2, AD FS and generic servers send it.
public enum TokenResponse {
    /// The longest access token lifetime believed: a week. Longer is a provider bug or a hostile
    /// server, and believing it would serve a revoked token for that long.
    public static let maximumLifetimeSeconds: Int64 = 86_400 * 7
    /// The lifetime assumed when the response does not say: short, so it is refreshed soon.
    public static let assumedLifetimeSeconds: Int64 = 300

    /// Classifies one response. `now` (unix seconds) turns Entra v1's absolute `expires_on`
    /// into a lifetime when `expires_in` is missing.
    public static func parse(status: Int, contentType: String?, body: [UInt8], now: Int64) -> TokenResult {
        let isTransientStatus = status == 408 || status == 429 || (500...599).contains(status)
        guard !isHTML(contentType), let value = try? JSONParser.parse(body), let object = value.objectValue else {
            return .failure(TokenError(kind: .transient, description: "the token endpoint did not answer with a JSON object", httpStatus: status))
        }
        if let code = object["error"] {
            return .failure(error(object, code: code.stringValue ?? JSONWriter.write(code), status: status))
        }
        guard (200...299).contains(status), !isTransientStatus else {
            return .failure(TokenError(kind: .transient, description: "HTTP \(status) without an error code", httpStatus: status))
        }
        guard let accessToken = object["access_token"]?.stringValue, !accessToken.isEmpty else {
            return .failure(TokenError(kind: .transient, description: "the response has neither access_token nor error", httpStatus: status))
        }
        if let tokenType = object["token_type"] {
            guard let text = tokenType.stringValue, text.lowercased() == "bearer" else {
                let shown = tokenType.stringValue ?? JSONWriter.write(tokenType)
                return .failure(TokenError(kind: .configuration, description: "unsupported token_type \(shown): only Bearer is supported", httpStatus: status))
            }
        }
        var lifetime = integer(object["expires_in"])
        if lifetime == nil, let expiresOn = integer(object["expires_on"]) { lifetime = expiresOn - now }
        return .success(
            TokenGrant(
                accessToken: accessToken, tokenType: "Bearer",
                lifetimeSeconds: min(max(lifetime ?? assumedLifetimeSeconds, 1), maximumLifetimeSeconds),
                refreshToken: nonEmpty(object["refresh_token"]),
                refreshInSeconds: positive(integer(object["refresh_in"])),
                refreshTokenLifetimeSeconds: positive(integer(object["refresh_token_expires_in"])),
                idToken: nonEmpty(object["id_token"]), scope: nonEmpty(object["scope"])))
    }

    private static func error(_ object: JSONObject, code: String, status: Int) -> TokenError {
        let description = object["error_description"]?.stringValue
        var codes = (object["error_codes"]?.arrayValue ?? []).compactMap { $0.numberValue?.int64 }.compactMap { Int(exactly: $0) }
            .map(ProviderErrorCode.aadsts)
        if codes.isEmpty, let description { codes = ProviderErrorAdvice.codes(in: description) }
        let kind: TokenErrorKind
        if codes.contains(53000) || codes.contains(530003) {
            kind = .deviceCompliance
        } else if status == 408 || status == 429 || (500...599).contains(status) {
            kind = .transient
        } else {
            switch code {
            case "invalid_grant", "interaction_required", "login_required", "consent_required": kind = .needsSignIn
            case "invalid_client", "unauthorized_client", "invalid_scope", "invalid_request", "unsupported_grant_type",
                "invalid_resource":
                kind = .configuration
            case "server_error", "temporarily_unavailable": kind = .transient
            // Dropping a refresh token for a code nobody here knows would force sign-ins for
            // nothing: it is kept, and the failure said plainly.
            default: kind = .unrecognized
            }
        }
        return TokenError(
            kind: kind, code: code, description: description, providerCodes: codes,
            correlationID: object["correlation_id"]?.stringValue, traceID: object["trace_id"]?.stringValue,
            httpStatus: status)
    }

    /// A JSON number or a numeric string (Entra v1 sends `"expires_in": "3599"`).
    private static func integer(_ value: JSONValue?) -> Int64? {
        switch value {
        case .number(let number)?: return number.int64 ?? number.double.map(saturating)
        case .string(let text)?: return Int64(text) ?? JSONNumber(text: text)?.int64
        default: return nil
        }
    }

    /// The double rounded toward zero, saturated at the bounds: `1e30` is absurd, not an error.
    private static func saturating(_ value: Double) -> Int64 {
        if value >= 9.2e18 { return .max }
        if value <= -9.2e18 { return .min }
        return Int64(value.rounded(.towardZero))
    }

    private static func positive(_ value: Int64?) -> Int64? {
        guard let value, value > 0 else { return nil }
        return value
    }

    private static func nonEmpty(_ value: JSONValue?) -> String? {
        guard let text = value?.stringValue, !text.isEmpty else { return nil }
        return text
    }

    private static func isHTML(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let media = contentType.split(separator: ";").first.map { $0.filter { $0 != " " && $0 != "\t" }.lowercased() } ?? ""
        return media == "text/html"
    }
}

