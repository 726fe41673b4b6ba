/// Why form or percent-encoded text could not be decoded.
public enum FormDecodingError: Error, Equatable, Sendable {
    /// A '%' not followed by two hexadecimal digits.
    case badPercentEscape
    /// The decoded bytes are not valid UTF-8.
    case invalidUTF8
    /// The decoded text contains a control character (including NUL, CR and LF).
    case controlCharacter
    /// More name/value pairs than the caller allows.
    case tooManyPairs
}
