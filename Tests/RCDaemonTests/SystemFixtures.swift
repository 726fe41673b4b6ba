import Glibc
import RCSystem

/// A fresh private directory under /tmp (short, so socket paths fit in sockaddr_un).
func makeTemporaryDirectory() -> String {
    var template = Array("/tmp/rcd.XXXXXX".utf8CString)
    let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    precondition(made != nil, "mkdtemp failed")
    return String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Removes `path` and what is directly inside it (test directories are one level deep,
/// apart from a nested runtime directory, which is removed first).
func removeTree(_ path: String) {
    if let dir = opendir(path) {
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
        closedir(dir)
        for name in names {
            var info = stat()
            if lstat(path + "/" + name, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR {
                removeTree(path + "/" + name)
            } else {
                unlink(path + "/" + name)
            }
        }
    }
    rmdir(path)
}

func mode(of path: String) -> mode_t? {
    var info = stat()
    return lstat(path, &info) == 0 ? info.st_mode : nil
}

func writeFile(_ path: String, _ text: String) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    precondition(fd >= 0)
    _ = text.withCString { write(fd, $0, strlen($0)) }
    close(fd)
}

/// Serialises everything that touches the process-wide umask (`Socket.listenUnix` sets and
/// restores it) across every test target in this process; see RCSystemTests' copy.
enum UmaskLock {
    static func run<T>(_ body: () throws -> T) rethrows -> T {
        let fd = open("/tmp/redirect-catcher-tests-umask.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        precondition(fd >= 0, "cannot open the umask lock file")
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 && errno == EINTR {}
        return try body()
    }
}

/// A bound Unix datagram socket (a path, or "@name" for the abstract namespace).
final class DatagramReceiver {
    let fd: FileDescriptor

    init(path: String) throws {
        fd = FileDescriptor(owning: socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0))
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let name = Array(path.utf8)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            raw.copyBytes(from: name)
            if path.hasPrefix("@") { raw[0] = 0 }
        }
        let length =
            path.hasPrefix("@")
            ? socklen_t(MemoryLayout<sa_family_t>.size + name.count)
            : socklen_t(MemoryLayout<sockaddr_un>.size)
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd.rawValue, $0, length) }
        }
        if rc != 0 { throw SystemError.last("bind") }
    }

    /// One datagram, or nil after `timeoutMilliseconds`.
    func receive(timeoutMilliseconds: Int32 = 1000) -> String? {
        var pfd = pollfd(fd: fd.rawValue, events: Int16(POLLIN), revents: 0)
        guard poll(&pfd, 1, timeoutMilliseconds) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = recv(fd.rawValue, &buffer, buffer.count, 0)
        return n < 0 ? nil : String(decoding: buffer.prefix(n), as: UTF8.self)
    }
}
