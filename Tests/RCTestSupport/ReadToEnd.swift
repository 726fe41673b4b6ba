import RCSystem

/// Reads `fd` until end of file (or `seconds` pass), as `nc -U` reads a token socket.
public func readToEnd(_ fd: FileDescriptor, seconds: Double = 5) throws -> [UInt8] {
    try fd.setNonBlocking()
    let deadline = Instant.deadline(afterSeconds: seconds)
    var result: [UInt8] = []
    while true {
        switch try fd.read(appendingTo: &result) {
        case .bytes: continue
        case .endOfFile: return result
        case .wouldBlock:
            guard try fd.waitFor(writing: false, until: deadline) else { return result }
        }
    }
}
