import Dispatch
import Glibc
import RCSystem

/// Carries a value that one thread hands to another and then stops touching.
final class Handoff<T>: @unchecked Sendable {
    var value: T
    init(_ value: T) { self.value = value }
}

/// Values recorded on one thread and read on another.
final class Recorder<T: Sendable>: Sendable {
    private let storage = Locked<[T]>([])
    func append(_ value: T) { storage.withLock { $0.append(value) } }
    var values: [T] { storage.withLock { $0 } }
}

/// A one-shot signal between threads, with a timeout so a broken test fails instead of hanging.
final class Latch: Sendable {
    private let semaphore = DispatchSemaphore(value: 0)
    func open() { semaphore.signal() }
    func wait(seconds: Double = 5) -> Bool { semaphore.wait(timeout: .now() + seconds) == .success }
}

/// An event loop running on a thread of its own, so that tests can post work to it and stop it.
final class LoopThread: Sendable {
    let loop: EventLoop
    private let finished = Latch()
    private let identity = Recorder<(Int32, pthread_t)>()

    /// Creates the loop, runs `setup` on the new thread, then `run()` until stopped.
    init(setup: @escaping @Sendable (EventLoop) -> Void = { _ in }) throws {
        let loop = try EventLoop()
        self.loop = loop
        let started = Latch()
        let finished = self.finished
        let identity = self.identity
        try ThreadSpawn.detached {
            identity.append((currentThreadID(), pthread_self()))
            setup(loop)
            started.open()
            loop.run()
            finished.open()
        }
        _ = started.wait()
    }

    /// The kernel thread id and pthread of the loop thread.
    var threadID: Int32 { identity.values.first?.0 ?? 0 }
    var pthread: pthread_t { identity.values.first?.1 ?? 0 }

    /// Runs `body` on the loop thread and waits for it.
    func sync(_ body: @escaping @Sendable () -> Void) {
        let done = Latch()
        loop.execute {
            body()
            done.open()
        }
        _ = done.wait()
    }

    /// Stops the loop and waits until `run` has returned.
    @discardableResult
    func stop() -> Bool {
        loop.stop()
        return finished.wait()
    }
}

/// A fresh private directory under /tmp (short, so socket paths fit in sockaddr_un).
func makeTemporaryDirectory() -> String {
    var template = Array("/tmp/rcs.XXXXXX".utf8CString)
    let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    precondition(made != nil, "mkdtemp failed")
    return String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

func removeTree(_ path: String) {
    // Test directories hold a few files and sockets, never subdirectories.
    if let dir = opendir(path) {
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { unlink(path + "/" + name) }
        }
        closedir(dir)
    }
    rmdir(path)
}

/// A connected pair of Unix stream sockets.
func socketPair(nonBlocking: Bool = false) -> (FileDescriptor, FileDescriptor) {
    var fds: [Int32] = [0, 0]
    let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | (nonBlocking ? Int32(SOCK_NONBLOCK.rawValue) : 0)
    precondition(socketpair(AF_UNIX, type, 0, &fds) == 0)
    return (FileDescriptor(owning: fds[0]), FileDescriptor(owning: fds[1]))
}

/// Whether `fd` is an open descriptor.
func isOpen(_ fd: Int32) -> Bool {
    fcntl(fd, F_GETFD) != -1
}

/// Moves `fd` to a high number that the kernel's lowest-free allocation will not hand to
/// another test running in parallel, so that "is it closed?" checks cannot be fooled by reuse.
func highDescriptor(_ fd: Int32, slot: Int32) -> Int32 {
    let target = 900 + slot
    precondition(dup2(fd, target) == target)
    close(fd)
    return target
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// The kernel's id of the calling thread (gettid, which Glibc's module does not export),
/// from the /proc/thread-self link ("PID/task/TID").
func currentThreadID() -> Int32 {
    var buffer = [CChar](repeating: 0, count: 64)
    let n = readlink("/proc/thread-self", &buffer, buffer.count - 1)
    guard n > 0 else { return -1 }
    let text = String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    return text.split(separator: "/").last.flatMap { Int32($0) } ?? -1
}
