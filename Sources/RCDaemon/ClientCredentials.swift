import RCHTTP
import RCJSON

/// git's credential helper protocol (gitcredentials(7), git-credential(1)): what git writes
/// to a helper and what `get` answers. Pure, so that the exact lines have fixed vectors.
public enum GitCredential {
    /// git's request: `key=value` lines up to a blank line or the end. A key may repeat
    /// (`capability[]`), so the pairs stay in order rather than in a dictionary.
    public static func parse(_ text: String) -> [(key: String, value: String)] {
        var pairs: [(key: String, value: String)] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = line.hasSuffix("\r") ? line.dropLast() : line
            if line.isEmpty { break }
            guard let equals = line.firstIndex(of: "=") else { continue }
            pairs.append((String(line[..<equals]), String(line[line.index(after: equals)...])))
        }
        return pairs
    }

    /// The answer to `get`: `username` (git's own when it sent one, since a URL such as
    /// `https://org@dev.azure.com/...` names it; else a placeholder the servers that take a
    /// token as a password ignore), the token as `password` with its expiry, so that a storing
    /// helper further down the list drops it in time. When git announced the `authtype`
    /// capability (git 2.46 and later), also the token as a ready `Authorization: Bearer`
    /// credential, which git then prefers over Basic.
    public static func answer(token: String, expiresAt: Int64, request: [(key: String, value: String)]) -> String {
        let username = request.last { $0.key == "username" }?.value ?? "oauth2"
        var lines: [String] = []
        if request.contains(where: { $0.key == "capability[]" && $0.value == "authtype" }) {
            lines += ["capability[]=authtype", "authtype=Bearer", "credential=\(token)"]
        }
        lines += ["username=\(username)", "password=\(token)", "password_expiry_utc=\(expiresAt)"]
        return lines.map { $0 + "\n" }.joined()
    }

    /// The token git says the server refused (`erase`): the password, or the ready credential.
    public static func rejectedToken(_ request: [(key: String, value: String)]) -> String? {
        let value = request.last { $0.key == "password" }?.value ?? request.last { $0.key == "credential" }?.value
        return value.flatMap { $0.isEmpty ? nil : $0 }
    }
}

/// Kubernetes' client-go exec credential plugin output: an `ExecCredential` with the token
/// and its expiry, in the API version the client asked for.
public enum ExecCredential {
    public static let v1 = "client.authentication.k8s.io/v1"
    public static let v1beta1 = "client.authentication.k8s.io/v1beta1"

    /// The version `KUBERNETES_EXEC_INFO` (the ExecCredential the client passes in) asks for:
    /// v1beta1 when it says so, v1 otherwise (the version a kubeconfig's `exec` names).
    public static func apiVersion(execInfo: String?) -> String {
        guard let execInfo, case .object(let object)? = try? JSONParser.parse(execInfo),
            case .string(let version)? = object["apiVersion"], version == v1beta1
        else { return v1 }
        return v1beta1
    }

    /// One line of JSON.
    public static func render(token: String, expiresAt: Int64, apiVersion: String) -> String {
        JSONWriter.write(
            .object(
                JSONObject([
                    ("apiVersion", .string(apiVersion)),
                    ("kind", .string("ExecCredential")),
                    (
                        "status",
                        .object(
                            JSONObject([
                                ("token", .string(token)),
                                ("expirationTimestamp", .string(HTTPDate.formatRFC3339(expiresAt))),
                            ]))
                    ),
                ])))
    }
}
