import Glibc

/// A point in time on one of the kernel's clocks, in nanoseconds.
///
/// Token expiry lives on the boot clock: CLOCK_MONOTONIC stops while the machine is
/// suspended, CLOCK_BOOTTIME does not, so a laptop that wakes after a night sees at once that
/// its tokens are stale. I/O deadlines use the monotonic clock.
public struct Instant: Comparable, Hashable, Sendable, CustomStringConvertible {
    /// The clocks this package reads.
    public enum Clock: Sendable {
        case monotonic, boot, wall

        var id: clockid_t {
            switch self {
            case .monotonic: CLOCK_MONOTONIC
            case .boot: CLOCK_BOOTTIME
            case .wall: CLOCK_REALTIME
            }
        }
    }

    public var nanoseconds: Int64

    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    /// clock_gettime(2) on `clock`.
    public static func now(_ clock: Clock) -> Instant {
        var ts = timespec()
        clock_gettime(clock.id, &ts)
        return Instant(nanoseconds: Int64(ts.tv_sec) &* 1_000_000_000 &+ Int64(ts.tv_nsec))
    }

    /// Now plus `seconds` on the monotonic clock: a deadline for I/O.
    public static func deadline(afterSeconds seconds: Double) -> Instant {
        now(.monotonic).adding(seconds: seconds)
    }

    public func adding(seconds: Double) -> Instant {
        Instant(nanoseconds: nanoseconds &+ Int64(seconds * 1e9))
    }

    public func adding(milliseconds: Int64) -> Instant {
        Instant(nanoseconds: nanoseconds &+ milliseconds &* 1_000_000)
    }

    /// Seconds from `other` to `self` (negative when `self` is earlier).
    public func seconds(since other: Instant) -> Double {
        Double(nanoseconds &- other.nanoseconds) / 1e9
    }

    public static func < (a: Instant, b: Instant) -> Bool { a.nanoseconds < b.nanoseconds }

    public var description: String { "\(Double(nanoseconds) / 1e9)s" }
}
