/// Classifies the parameters of a redirect (query or form_post body, already percent-decoded).
///
/// Anything ambiguous is invalid rather than guessed at: a repeated `code` or `state` is how
/// parameter-pollution attacks pick which value a server uses.
public enum CallbackParameters {
    /// The outcome; unknown parameters (`session_state`, `client_info`) are ignored.
    public static func classify(_ parameters: [(name: String, value: String)]) -> CallbackOutcome {
        func values(_ name: String) -> [String] { parameters.filter { $0.name == name }.map(\.value) }
        let codes = values("code")
        let states = values("state")
        let errors = values("error")
        for (name, found) in [("code", codes), ("state", states), ("error", errors), ("iss", values("iss"))] where found.count > 1 {
            return .invalid("the \(name) parameter appears more than once")
        }
        if !codes.isEmpty, !errors.isEmpty { return .invalid("both code and error are present") }
        if let state = states.first, state.isEmpty { return .invalid("the state parameter is empty") }
        if let error = errors.first {
            guard !error.isEmpty else { return .invalid("the error parameter is empty") }
            return .error(
                error: error, description: values("error_description").first, uri: values("error_uri").first,
                state: states.first)
        }
        guard let code = codes.first else { return .invalid("neither code nor error is present") }
        guard !code.isEmpty else { return .invalid("the code parameter is empty") }
        guard let state = states.first else { return .invalid("the state parameter is missing") }
        return .code(code: code, state: state, iss: values("iss").first)
    }
}
