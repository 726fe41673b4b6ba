/// A JSON object: members in their source order, each name at most once.
///
/// Order is kept because people read what the writer produces; uniqueness is kept because
/// RFC 8259 §4 leaves duplicate names undefined, and different readers of the same document
/// picking different values is how configuration and token confusion bugs start.
public struct JSONObject: Sendable, Equatable {
    private var storage: [Member]
    private var index: [String: Int]

    private struct Member: Sendable {
        var key: String
        var value: JSONValue
    }

    /// An empty object.
    public init() {
        storage = []
        index = [:]
    }

    /// An object from members in order; a repeated key keeps its first position and its last value.
    public init(_ members: [(key: String, value: JSONValue)]) {
        self.init()
        for member in members { self[member.key] = member.value }
    }

    /// The member names in order.
    public var keys: [String] { storage.map(\.key) }

    /// The members in order.
    public var members: [(key: String, value: JSONValue)] { storage.map { ($0.key, $0.value) } }

    /// The number of members.
    public var count: Int { storage.count }

    /// The value for `key`; setting nil removes the member, setting a new key appends it.
    public subscript(key: String) -> JSONValue? {
        get { index[key].map { storage[$0].value } }
        set {
            if let position = index[key] {
                if let newValue {
                    storage[position].value = newValue
                } else {
                    storage.remove(at: position)
                    index = [:]
                    for (offset, member) in storage.enumerated() { index[member.key] = offset }
                }
            } else if let newValue {
                index[key] = storage.count
                storage.append(Member(key: key, value: newValue))
            }
        }
    }

    /// Objects are equal when they have the same names with equal values; order does not
    /// matter, as RFC 8259 §4 says it does not carry meaning.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.storage.count == rhs.storage.count else { return false }
        for member in lhs.storage where rhs[member.key] != member.value { return false }
        return true
    }
}
