import RCHTTP
import Testing

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// Feeds a growing prefix of `input` to the stateless request parser, `step` bytes at a time,
/// as a connection would, and returns the first definite outcome.
func parseIncrementally(
    _ input: [UInt8], step: (inout Int) -> Int = { _ in 1 }, parser: HTTPRequestParser = HTTPRequestParser()
) -> HTTPRequestParser.Outcome {
    var received = 0
    var counter = 0
    while received < input.count {
        received = min(input.count, received + max(1, step(&counter)))
        let outcome = parser.parse(Array(input[..<received]))
        if outcome != .incomplete { return outcome }
    }
    return parser.parse(input)
}

/// Feeds the response parser in pieces chosen by `sizes` and returns its final outcome,
/// calling `finish()` at the end when `close` is true.
func parseResponse(
    _ input: [UInt8], pieces: [Int]? = nil, close: Bool = false, isResponseToHEAD: Bool = false,
    maxHead: Int = 65536, maxBody: Int = 1 << 20
) -> HTTPResponseParser.Outcome {
    var parser = HTTPResponseParser(maxHead: maxHead, maxBody: maxBody, isResponseToHEAD: isResponseToHEAD)
    if let pieces {
        var offset = 0
        var pieceIndex = 0
        while offset < input.count {
            let size = max(1, pieces.isEmpty ? 1 : pieces[pieceIndex % pieces.count])
            let end = min(input.count, offset + size)
            parser.feed(input[offset..<end])
            offset = end
            pieceIndex += 1
        }
    } else {
        parser.feed(input)
    }
    return close ? parser.finish() : parser.outcome()
}

func head(
    _ outcome: HTTPRequestParser.Outcome, sourceLocation: SourceLocation = #_sourceLocation
) -> HTTPRequestHead? {
    if case .complete(let head, _) = outcome { return head }
    return nil
}
