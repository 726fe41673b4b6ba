import CShim
import Glibc

/// Bytes in a sealed memfd: anonymous memory behind a descriptor, never a file, which no one
/// (its creator included) can change once sealed. What the daemon hands systemd's file
/// descriptor store, and how it reads back what the store passes in.
public enum SealedMemory {
    /// A close-on-exec memfd named `name` (only /proc/PID/fd shows it) holding `bytes`, sealed
    /// against writes, shrinking, growing and further sealing.
    public static func make(_ bytes: [UInt8], name: String) throws(SystemError) -> FileDescriptor {
        let fd = FileDescriptor(owning: try syscall("memfd_create") { rc_memfd_sealable(name) })
        var written = 0
        while written < bytes.count {
            let n = try syscall("write(memfd)") {
                bytes.withUnsafeBytes { raw in Glibc.write(fd.rawValue, raw.baseAddress.map { $0 + written }, raw.count - written) }
            }
            written += n
        }
        _ = try syscall("fcntl(F_ADD_SEALS)") { rc_memfd_seal_all(fd.rawValue) }
        return fd
    }

    /// Whether `fd` is a memfd sealed against every change (as `make` leaves it).
    public static func isSealed(_ fd: FileDescriptor) -> Bool {
        let seals = rc_memfd_seals(fd.rawValue)
        let all = Int32(RC_SEAL_WRITE | RC_SEAL_SHRINK | RC_SEAL_GROW | RC_SEAL_SEAL)
        return seals >= 0 && seals & all == all
    }

    /// The whole contents from offset 0 (pread, so the file offset does not matter), or
    /// nil when there are more than `limit` bytes.
    public static func read(_ fd: FileDescriptor, limit: Int) throws(SystemError) -> [UInt8]? {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let offset = bytes.count
            let n = try syscall("pread") {
                chunk.withUnsafeMutableBytes { raw in pread(fd.rawValue, raw.baseAddress, raw.count, off_t(offset)) }
            }
            if n == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<n])
            if bytes.count > limit { return nil }
        }
    }
}
