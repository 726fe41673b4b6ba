/// Writes a client request, for the token endpoint.
///
/// The writer controls framing: Host comes from the caller's URL and Content-Length from the
/// body, replacing any the headers carry, so the request cannot be framed two ways.
public enum HTTPRequestWriter {
    /// "METHOD target HTTP/1.1", Host, the given headers, Content-Length when body is non-nil
    /// (even when empty, as servers expect it on a POST), the empty line, then the body.
    public static func serialize(
        method: String, target: String, host: String, headers: HTTPHeaders, body: [UInt8]?
    ) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(256 + (body?.count ?? 0))
        HTTPMessageWriting.appendLine("\(method) \(target) HTTP/1.1", to: &output)
        HTTPMessageWriting.appendField("Host", host, to: &output)
        for field in headers
        where !HTTPGrammar.asciiCaseInsensitiveEquals(field.name, "Host")
            && !HTTPGrammar.asciiCaseInsensitiveEquals(field.name, "Content-Length")
        {
            HTTPMessageWriting.appendField(field.name, field.value, to: &output)
        }
        if let body {
            HTTPMessageWriting.appendField("Content-Length", String(body.count), to: &output)
        }
        HTTPMessageWriting.appendLineEnd(to: &output)
        if let body {
            output.append(contentsOf: body)
        }
        return output
    }
}
