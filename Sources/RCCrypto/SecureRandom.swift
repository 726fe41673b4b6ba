import COpenSSL

/// Random bytes from OpenSSL's CSPRNG (RAND_bytes), for state, nonces and PKCE verifiers.
public enum SecureRandom {
    /// `count` random bytes. A CSPRNG that cannot produce bytes leaves nothing safe to do,
    /// so failure stops the process rather than issuing a guessable state.
    public static func bytes(_ count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let ok = bytes.withUnsafeMutableBytes { raw in
            RAND_bytes(raw.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32(raw.count))
        }
        precondition(ok == 1 || count == 0, "RAND_bytes failed: the CSPRNG is unavailable")
        return bytes
    }

    /// A uniformly distributed integer in `0..<upperBound` (rejection sampling, no modulo bias).
    public static func integer(below upperBound: UInt64) -> UInt64 {
        precondition(upperBound > 0)
        let limit = UInt64.max - UInt64.max % upperBound
        while true {
            let value = bytes(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            if value < limit { return value % upperBound }
        }
    }
}
