import Glibc

/// Starts detached POSIX threads for work that blocks (TLS I/O, DNS, child processes), so
/// that nothing blocking ever runs on the event loop or on Swift's cooperative pool.
public enum ThreadSpawn {
    private final class Box {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }

    /// pthread_create + pthread_detach. `body` runs once on the new thread.
    public static func detached(stackSize: Int = 256 * 1024, _ body: @escaping @Sendable () -> Void) throws(SystemError) {
        var attr = pthread_attr_t()
        pthread_attr_init(&attr)
        defer { pthread_attr_destroy(&attr) }
        pthread_attr_setdetachstate(&attr, Int32(PTHREAD_CREATE_DETACHED))
        pthread_attr_setstacksize(&attr, stackSize)
        let context = Unmanaged.passRetained(Box(body)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, &attr, { raw in
            guard let raw else { return nil }
            let box = Unmanaged<Box>.fromOpaque(raw).takeRetainedValue()
            box.body()
            return nil
        }, context)
        if rc != 0 {
            Unmanaged<Box>.fromOpaque(context).release()
            throw SystemError("pthread_create", errno: rc)
        }
    }
}
