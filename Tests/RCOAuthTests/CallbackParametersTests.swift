import Testing

@testable import RCOAuth

@Suite struct CallbackParametersTests {
    func classify(_ pairs: [(String, String)]) -> CallbackOutcome {
        CallbackParameters.classify(pairs.map { (name: $0.0, value: $0.1) })
    }

    @Test func success() {
        #expect(classify([("code", "C"), ("state", "S"), ("session_state", "x"), ("client_info", "y")]) == .code(code: "C", state: "S", iss: nil))
        #expect(classify([("state", "S"), ("iss", "https://i"), ("code", "C")]) == .code(code: "C", state: "S", iss: "https://i"))
    }

    @Test func providerError() {
        #expect(
            classify([("error", "access_denied"), ("error_description", "<b>no</b>\r\n"), ("error_uri", "https://e"), ("state", "S")])
                == .error(error: "access_denied", description: "<b>no</b>\r\n", uri: "https://e", state: "S"))
        #expect(classify([("error", "server_error")]) == .error(error: "server_error", description: nil, uri: nil, state: nil))
    }

    static let hostileCases: [([(String, String)], String)] = [
        ([("code", "C")], "the state parameter is missing"),
        ([("code", "C"), ("state", "S"), ("state", "T")], "the state parameter appears more than once"),
        ([("code", "C"), ("state", "S"), ("state", "S")], "the state parameter appears more than once"),
        ([("code", "C"), ("code", "D"), ("state", "S")], "the code parameter appears more than once"),
        ([("code", "C"), ("error", "access_denied"), ("state", "S")], "both code and error are present"),
        ([("code", ""), ("state", "S")], "the code parameter is empty"),
        ([("code", "C"), ("state", "")], "the state parameter is empty"),
        ([("state", "S")], "neither code nor error is present"),
        ([], "neither code nor error is present"),
        ([("error", ""), ("state", "S")], "the error parameter is empty"),
        ([("code", "C"), ("state", "S"), ("iss", "a"), ("iss", "b")], "the iss parameter appears more than once"),
        ([("CODE", "C"), ("state", "S")], "neither code nor error is present"),
    ]

    @Test(arguments: hostileCases)
    func hostile(pairs: [(String, String)], reason: String) {
        #expect(classify(pairs) == .invalid(reason))
    }
}
