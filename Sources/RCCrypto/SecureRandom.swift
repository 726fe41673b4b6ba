import CShim
import Glibc
import RCSystem

/// Random bytes from the kernel's CSPRNG (getrandom(2)), for state, nonces and PKCE
/// verifiers.
///
/// Not OpenSSL's RAND_bytes: in OpenSSL 3 the first call loads the provider framework and
/// its DRBG, about 2 MB that then stays resident in the daemon for 64 bytes per sign-in
/// (measured in BENCHMARKS.md). The kernel's generator is the source OpenSSL seeds that DRBG
/// from; OpenSSL's own randomness still serves TLS, in the exchange helper.
public enum SecureRandom {
    /// `count` random bytes. A CSPRNG that cannot produce bytes leaves nothing safe to do,
    /// so failure stops the process rather than issuing a guessable state.
    public static func bytes(_ count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        bytes.withUnsafeMutableBytes { raw in
            var filled = 0
            while filled < raw.count {
                guard let base = raw.baseAddress else { return }
                // Flags 0: blocks only until the kernel's pool is first initialised at boot.
                let n = retryingEINTR { getrandom(base + filled, raw.count - filled, 0) }
                precondition(n > 0, "\(SystemError.last("getrandom")): the kernel CSPRNG is unavailable")
                filled += n
            }
        }
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
