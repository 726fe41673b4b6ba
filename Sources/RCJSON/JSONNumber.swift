/// A JSON number kept as its source text.
///
/// Converting at parse time would lose information one way or the other (a 64-bit integer does
/// not fit a `Double`, `0.1` does not fit an integer), so the caller picks the view it needs.
public struct JSONNumber: Sendable, Equatable, CustomStringConvertible {
    /// The number exactly as written, in RFC 8259 §6 syntax.
    public let text: String

    /// Wraps text the caller has checked is RFC 8259 number syntax.
    init(validatedText: String) { self.text = validatedText }

    /// A number from text in RFC 8259 §6 syntax; nil for anything else (`+1`, `01`, `NaN`, `1.`).
    public init?(text: String) {
        let bytes = Array(text.utf8)
        guard JSONNumber.syntaxLength(bytes, from: 0) == bytes.count, !bytes.isEmpty else { return nil }
        self.text = text
    }

    /// An integer number.
    public init(_ value: Int64) { self.text = String(value) }

    /// A number from a finite double; nil for NaN and the infinities, which JSON cannot express.
    public init?(_ value: Double) {
        guard value.isFinite else { return nil }
        // Swift prints integral doubles as "3.0" and large ones as "1e+20": both are valid JSON.
        self.text = value.description
    }

    /// The value as an integer when the number is exactly one that fits in 64 bits:
    /// `3600`, `-1`, and also `3600.0` or `3.6e3`, but not `3600.5` or `1e30`.
    public var int64: Int64? {
        if let exact = Int64(text) { return exact }
        guard let value = double, value.rounded(.towardZero) == value,
            value.magnitude < 9_007_199_254_740_992  // 2^53: beyond it a double is not exact
        else { return nil }
        return Int64(value)
    }

    /// The nearest double; nil when the value overflows to infinity (`1e400`).
    public var double: Double? {
        guard let value = Double(text), value.isFinite else { return nil }
        return value
    }

    public var description: String { text }

    /// Two numbers are equal when they denote the same value in both views, so `1.0 == 1`
    /// but `9007199254740993 != 9007199254740992`.
    public static func == (lhs: JSONNumber, rhs: JSONNumber) -> Bool {
        if lhs.text == rhs.text { return true }
        if let left = Int64(lhs.text), let right = Int64(rhs.text) { return left == right }
        return lhs.double != nil && lhs.double == rhs.double && lhs.int64 == rhs.int64
    }

    /// The length of the RFC 8259 number starting at `start`, or nil when there is none.
    /// Shared by the parser and the validating initialiser so both accept the same grammar.
    static func syntaxLength(_ bytes: [UInt8], from start: Int) -> Int? {
        var index = start
        func digits() -> Int {
            let first = index
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                index += 1
            }
            return index - first
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count else { return nil }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else if digits() == 0 {
            return nil
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { return nil }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            guard digits() > 0 else { return nil }
        }
        return index - start
    }
}
