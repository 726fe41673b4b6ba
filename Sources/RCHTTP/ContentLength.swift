/// Interprets every `Content-Length` field of a message together (RFC 9110 §8.6,
/// RFC 9112 §6.3), because disagreeing lengths are how request smuggling starts.
enum ContentLength {
    /// Lengths above this are refused outright: nothing this daemon exchanges comes close, and it
    /// keeps arithmetic on lengths far away from overflow.
    static let maximum = Int(Int32.max)

    /// Returns nil when there is no Content-Length field, the single agreed length otherwise.
    static func parse(_ values: [String]) -> Result<Int?, HTTPFieldLine.Problem> {
        var agreed: Int?
        for value in values {
            // A recipient may accept a comma list of identical values (RFC 9110 §8.6).
            for element in value.utf8.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) {
                let digits = HTTPGrammar.trimmingOWS(ArraySlice(element))
                guard !digits.isEmpty, digits.allSatisfy(HTTPGrammar.isDigit) else {
                    return .failure(HTTPFieldLine.Problem(reason: "Content-Length is not a number"))
                }
                var length = 0
                for digit in digits {
                    length = length * 10 + Int(digit - UInt8(ascii: "0"))
                    if length > maximum {
                        return .failure(HTTPFieldLine.Problem(reason: "Content-Length too large"))
                    }
                }
                if let previous = agreed, previous != length {
                    return .failure(HTTPFieldLine.Problem(reason: "conflicting Content-Length values"))
                }
                agreed = length
            }
        }
        return .success(agreed)
    }
}
