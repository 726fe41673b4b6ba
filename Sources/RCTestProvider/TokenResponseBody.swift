import RCJSON

/// The JSON bodies of the token endpoint, in the shape of the provider being imitated.
enum TokenResponseBody {
    static func success(_ tokens: IssuedTokens, shape: ResponseShape) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [("token_type", .string("Bearer"))]
        func number(_ value: Int) -> JSONValue { .number(JSONNumber(Int64(value))) }
        // Entra v1 sends every number as a string; the daemon must accept both.
        func text(_ value: Int) -> JSONValue { .string(String(value)) }
        switch shape {
        case .entraV2:
            if let scope = tokens.scope { members.append(("scope", .string(scope))) }
            members.append(("expires_in", number(tokens.accessLifetime)))
            members.append(("ext_expires_in", number(tokens.accessLifetime)))
        case .entraV1:
            if let scope = tokens.scope { members.append(("scope", .string(scope))) }
            members.append(("expires_in", text(tokens.accessLifetime)))
            members.append(("ext_expires_in", text(tokens.accessLifetime)))
            members.append(("expires_on", text(tokens.issuedAt + tokens.accessLifetime)))
            members.append(("not_before", text(tokens.issuedAt)))
            members.append(("resource", .string(tokens.resource ?? "")))
        case .adfs:
            members.append(("expires_in", number(tokens.accessLifetime)))
            if let resource = tokens.resource { members.append(("resource", .string(resource))) }
            if let scope = tokens.scope { members.append(("scope", .string(scope))) }
        case .generic:
            members.append(("expires_in", number(tokens.accessLifetime)))
            if let scope = tokens.scope { members.append(("scope", .string(scope))) }
        }
        members.append(("access_token", .string(tokens.accessToken)))
        if let refresh = tokens.refreshToken {
            members.append(("refresh_token", .string(refresh)))
            if shape == .adfs { members.append(("refresh_token_expires_in", number(tokens.refreshLifetime))) }
        }
        if let idToken = tokens.idToken { members.append(("id_token", .string(idToken))) }
        return .object(JSONObject(members))
    }

    /// RFC 6749 §5.2 plus Entra's diagnostic members; `now` is wall-clock epoch seconds.
    static func error(_ error: TokenError, now: Int) -> JSONValue {
        let trace = Identifiers.uuid()
        let correlation = Identifiers.uuid()
        let timestamp = Identifiers.timestamp(epochSeconds: now)
        let description = "\(error.description)\r\nTrace ID: \(trace)\r\nCorrelation ID: \(correlation)\r\nTimestamp: \(timestamp)"
        return .object(
            JSONObject([
                ("error", .string(error.error)),
                ("error_description", .string(description)),
                ("error_codes", .array([.number(JSONNumber(Int64(error.code)))])),
                ("timestamp", .string(timestamp)),
                ("trace_id", .string(trace)),
                ("correlation_id", .string(correlation)),
            ]))
    }
}
