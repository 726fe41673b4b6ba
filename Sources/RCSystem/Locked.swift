import Glibc

/// A value that threads share, guarded by a pthread mutex.
///
/// Synchronization.Mutex would do the same, but it locks with a futex inside the standard
/// library, which is not built with ThreadSanitizer: the sanitizer never sees that lock, so it
/// reports the data the lock guards as racing (CI runs every test under it). A pthread mutex
/// is one ThreadSanitizer intercepts, so every `withLock` is a real happens-before edge to it
/// and a real race still shows up. Not reentrant: `body` must not take the same lock.
public final class Locked<Value: Sendable>: @unchecked Sendable {
    // The mutex lives at a fixed address of its own: pthread mutexes may not be moved.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    public init(_ value: Value) {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        self.value = value
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    /// Runs `body` with the value while holding the lock.
    public func withLock<Result, E: Error>(_ body: (inout Value) throws(E) -> Result) throws(E) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
