import RCSystem

/// What the account logic needs from its event loop: the time, timers, and a way to run
/// blocking work elsewhere and get the result back on the loop's thread. The real loop is
/// `EventLoop`; tests drive the same logic with a manual clock.
public protocol Scheduler: AnyObject {
    /// Now on the boot clock.
    var now: Instant { get }
    @discardableResult
    func schedule(at deadline: Instant, _ body: @escaping () -> Void) -> EventLoop.TimerID
    func cancel(_ timer: EventLoop.TimerID)
    /// Runs `work` off the loop (it may block) and then `completion` with its result on the
    /// loop thread.
    func offload<T: Sendable>(_ work: @escaping @Sendable () -> T, then completion: @escaping (T) -> Void)
}

/// Carries a closure that is created and called on the loop thread across the worker
/// thread that runs in between, which never touches it.
private struct LoopBound<T>: @unchecked Sendable {
    let value: T
}

extension EventLoop: Scheduler {
    public func offload<T: Sendable>(_ work: @escaping @Sendable () -> T, then completion: @escaping (T) -> Void) {
        let bound = LoopBound(value: completion)
        do {
            try ThreadSpawn.detached {
                let result = work()
                self.execute { bound.value(result) }
            }
        } catch {
            // No thread to be had (resource limits): do the work here rather than lose it.
            completion(work())
        }
    }
}
