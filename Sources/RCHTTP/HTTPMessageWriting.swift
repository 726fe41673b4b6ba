/// Serialisation shared by ``HTTPResponse`` and ``HTTPRequestWriter``.
///
/// Field names and values are written defensively: a control character in a value (say, a
/// provider's error text that reached a header) becomes a space, so no value can end a line
/// and inject a header or split the message.
enum HTTPMessageWriting {
    static func appendField(_ name: String, _ value: String, to output: inout [UInt8]) {
        for byte in name.utf8 {
            output.append(HTTPGrammar.isTokenByte(byte) ? byte : UInt8(ascii: "-"))
        }
        output.append(HTTPGrammar.colon)
        output.append(HTTPGrammar.space)
        for byte in value.utf8 {
            output.append(byte == HTTPGrammar.tab || HTTPGrammar.isFieldValueByte(byte) ? byte : HTTPGrammar.space)
        }
        appendLineEnd(to: &output)
    }

    static func appendLine(_ text: String, to output: inout [UInt8]) {
        for byte in text.utf8 {
            output.append(byte < 0x20 || byte == 0x7F ? HTTPGrammar.space : byte)
        }
        appendLineEnd(to: &output)
    }

    static func appendLineEnd(to output: inout [UInt8]) {
        output.append(HTTPGrammar.cr)
        output.append(HTTPGrammar.lf)
    }
}
