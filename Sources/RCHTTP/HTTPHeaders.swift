/// An ordered list of header fields that keeps repeated names.
///
/// Repeated fields matter for security decisions (two `Content-Length`s, two `Host`s), so the
/// list never merges or drops anything; lookups by name are ASCII case-insensitive
/// (RFC 9110 §5.1). Equality compares the exact fields in order.
public struct HTTPHeaders: Sendable, Equatable, Sequence {
    struct Field: Sendable, Equatable {
        var name: String
        var value: String
    }

    private(set) var fields: [Field]

    public init(_ pairs: [(String, String)] = []) {
        fields = pairs.map { Field(name: $0.0, value: $0.1) }
    }

    /// Appends a field, keeping any earlier field of the same name.
    public mutating func add(_ name: String, _ value: String) {
        fields.append(Field(name: name, value: value))
    }

    /// Replaces every field of this name with a single one, placed where the first one was
    /// (or at the end when there was none).
    public mutating func set(_ name: String, _ value: String) {
        if let first = fields.firstIndex(where: { HTTPGrammar.asciiCaseInsensitiveEquals($0.name, name) }) {
            fields[first].value = value
            var index = fields.count - 1
            while index > first {
                if HTTPGrammar.asciiCaseInsensitiveEquals(fields[index].name, name) { fields.remove(at: index) }
                index -= 1
            }
        } else {
            add(name, value)
        }
    }

    /// Removes every field of this name.
    public mutating func remove(_ name: String) {
        fields.removeAll { HTTPGrammar.asciiCaseInsensitiveEquals($0.name, name) }
    }

    /// The first value of the field, or nil when absent.
    public subscript(_ name: String) -> String? {
        fields.first { HTTPGrammar.asciiCaseInsensitiveEquals($0.name, name) }?.value
    }

    /// Every value of the field, in the order received.
    public func values(_ name: String) -> [String] {
        fields.filter { HTTPGrammar.asciiCaseInsensitiveEquals($0.name, name) }.map(\.value)
    }

    public func contains(_ name: String) -> Bool {
        fields.contains { HTTPGrammar.asciiCaseInsensitiveEquals($0.name, name) }
    }

    /// The number of fields, counting repeats.
    public var count: Int { fields.count }

    public func makeIterator() -> some IteratorProtocol<(name: String, value: String)> {
        fields.lazy.map { (name: $0.name, value: $0.value) }.makeIterator()
    }
}
