import CShim
import Glibc
import Synchronization

/// One thread's epoll loop: descriptor readiness, timers on the boot clock, tasks posted from
/// other threads, and signals.
///
/// Everything the daemon owns (accounts, connections, tokens) is touched only on the loop's
/// thread, so none of it needs a lock; blocking work (TLS, DNS) runs on threads of its own
/// and posts its result back with `execute`. Timers are a single CLOCK_BOOTTIME timerfd armed
/// for the earliest deadline, so an idle daemon sleeps in epoll_wait with nothing to wake it,
/// and a deadline that passed during suspend fires the moment the machine resumes.
///
/// All methods except `execute` and `stop` must be called on the loop's thread.
public final class EventLoop: @unchecked Sendable {
    /// What a descriptor is watched for.
    public struct Interest: OptionSet, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        public static let read = Interest(rawValue: UInt32(RC_EPOLLIN))
        public static let write = Interest(rawValue: UInt32(RC_EPOLLOUT))
    }

    /// What epoll reported for a descriptor: readable, writable, or hung up / failed.
    public struct Readiness: Sendable {
        public let readable: Bool
        public let writable: Bool
        public let hangUp: Bool
    }

    /// Identifies a scheduled timer so that it can be cancelled.
    public struct TimerID: Hashable, Sendable {
        let value: UInt64
    }

    private struct Timer {
        let deadline: Instant
        let id: UInt64
    }

    /// A caller's descriptor: its handler, and the generation its epoll events carry.
    private struct Registration {
        let generation: UInt32
        let handler: (Readiness) -> Void
    }

    private let epoll: FileDescriptor
    private let timerFD: FileDescriptor
    private let wakeFD: FileDescriptor
    private var signalFD: FileDescriptor?
    /// Keyed by descriptor number, which the kernel hands out again as soon as it is closed.
    /// A new generation on every registration tells the registration an event or a delayed
    /// action meant from a newer one under the same number.
    private var registrations: [Int32: Registration] = [:]
    /// Wraps around: two registrations of one number are confused only if a multiple of 2^32
    /// registrations happen between an event's epoll_wait and its dispatch (one batch), or
    /// during a `pauseReading` pause.
    private var lastGeneration: UInt32 = 0
    private var timerHeap: [Timer] = []
    private var timerBodies: [UInt64: () -> Void] = [:]
    private var nextTimerID: UInt64 = 1
    private var armedDeadline: Instant?
    private var signalHandler: ((Int32) -> Void)?
    private let posted = Locked<[@Sendable () -> Void]>([])
    private let stopRequested = Atomic<Bool>(false)
    private let clock: Instant.Clock

    // A caller's descriptor has the token `token(fd, generation)`; the loop's own descriptors
    // have these, whose lower half is a negative number that no registration can have
    // (epoll_ctl refuses it), so they differ from every caller's token whatever the generation.
    private static let wakeToken: UInt64 = .max
    private static let timerToken: UInt64 = .max - 1
    private static let signalToken: UInt64 = .max - 2

    /// The epoll data of a registration: the generation in the upper 32 bits, the descriptor
    /// in the lower. An event that was queued before its descriptor was closed, and comes out
    /// of the same epoll_wait batch after a handler registered a new socket under the number,
    /// carries the old generation, and `dispatch` drops it.
    private static func token(_ fd: Int32, _ generation: UInt32) -> UInt64 {
        UInt64(generation) << 32 | UInt64(UInt32(bitPattern: fd))
    }

    /// Creates the epoll instance, the boot-clock timerfd and the wake-up eventfd.
    public init() throws(SystemError) {
        clock = .boot
        epoll = FileDescriptor(owning: try syscall("epoll_create1") { rc_epoll_create() })
        timerFD = FileDescriptor(owning: try syscall("timerfd_create") { rc_timerfd_boottime() })
        wakeFD = FileDescriptor(owning: try syscall("eventfd") { rc_eventfd() })
        try add(timerFD.rawValue, token: Self.timerToken, interest: .read)
        try add(wakeFD.rawValue, token: Self.wakeToken, interest: .read)
    }

    /// Now, on the clock timers use (CLOCK_BOOTTIME).
    public var now: Instant { Instant.now(clock) }

    private func add(_ fd: Int32, token: UInt64, interest: Interest) throws(SystemError) {
        _ = try syscall("epoll_ctl(ADD)") {
            rc_epoll_ctl(epoll.rawValue, Int32(RC_EPOLL_ADD), fd, interest.rawValue | UInt32(RC_EPOLLRDHUP), token)
        }
    }

    /// Watches `fd` (which the caller keeps open until `unregister`) and calls `handler` on
    /// the loop thread whenever it is ready.
    public func register(_ fd: Int32, interest: Interest, handler: @escaping (Readiness) -> Void) throws(SystemError) {
        let generation = lastGeneration &+ 1
        try add(fd, token: Self.token(fd, generation), interest: interest)
        lastGeneration = generation
        registrations[fd] = Registration(generation: generation, handler: handler)
    }

    /// Changes what `fd` is watched for. The registration keeps its generation: events queued
    /// before the change are still its own.
    public func modify(_ fd: Int32, interest: Interest) throws(SystemError) {
        // What epoll_ctl(MOD) itself says of a descriptor it does not watch.
        guard let generation = registrations[fd]?.generation else { throw SystemError("epoll_ctl(MOD)", errno: ENOENT) }
        _ = try syscall("epoll_ctl(MOD)") {
            rc_epoll_ctl(epoll.rawValue, Int32(RC_EPOLL_MOD), fd, interest.rawValue | UInt32(RC_EPOLLRDHUP), Self.token(fd, generation))
        }
    }

    /// Stops watching `fd`. Call before closing it.
    public func unregister(_ fd: Int32) {
        if registrations.removeValue(forKey: fd) != nil {
            _ = rc_epoll_ctl(epoll.rawValue, Int32(RC_EPOLL_DEL), fd, 0, 0)
        }
    }

    /// Stops reporting `fd` for `seconds`, then watches it for reading again, unless it was
    /// unregistered (or its number reused) meanwhile. For a listener whose accept(2) fails for
    /// want of descriptors (EMFILE): it stays readable, and this level-triggered loop would
    /// otherwise spin on it until a descriptor frees up.
    public func pauseReading(_ fd: Int32, seconds: Double) {
        guard let generation = registrations[fd]?.generation else { return }
        try? modify(fd, interest: [])
        schedule(at: now.adding(seconds: seconds)) { [weak self] in
            guard let self, self.registrations[fd]?.generation == generation else { return }
            try? self.modify(fd, interest: .read)
        }
    }

    /// The number of descriptors registered by callers (for tests and status).
    public var registeredCount: Int { registrations.count }

    /// Runs `body` on the loop thread at `deadline` (boot clock), or at once if it has passed.
    @discardableResult
    public func schedule(at deadline: Instant, _ body: @escaping () -> Void) -> TimerID {
        let id = nextTimerID
        nextTimerID += 1
        timerBodies[id] = body
        pushTimer(Timer(deadline: deadline, id: id))
        return TimerID(value: id)
    }

    /// Cancels a timer; cancelling one that already ran does nothing.
    public func cancel(_ timer: TimerID) {
        // The heap entry stays until it surfaces; without a body it is skipped.
        guard timerBodies.removeValue(forKey: timer.value) != nil else { return }
        if timerBodies.isEmpty {
            timerHeap.removeAll(keepingCapacity: true)
        } else if timerHeap.count > 64 && timerHeap.count > 2 * timerBodies.count {
            // Cancelled entries surface only when their deadline is the earliest; behind a
            // live timer that is due sooner (an idle connection's deadline) they would pile
            // up, one per short-lived client. Every body has exactly one entry, so this
            // keeps the heap under twice the live timers, at amortised O(log n) a cancel.
            timerHeap.removeAll { timerBodies[$0.id] == nil }
            timerHeap.sort(by: Self.before)  // a sorted array is a valid min-heap
        }
    }

    /// Entries in the timer heap, cancelled ones included (for tests).
    public var timerHeapCount: Int { timerHeap.count }

    /// Posts `body` to run on the loop thread. Safe from any thread.
    public func execute(_ body: @escaping @Sendable () -> Void) {
        posted.withLock { $0.append(body) }
        wake()
    }

    /// Asks `run` to return after the current iteration. Safe from any thread.
    public func stop() {
        stopRequested.store(true, ordering: .releasing)
        wake()
    }

    private func wake() {
        var one: UInt64 = 1
        _ = Glibc.write(wakeFD.rawValue, &one, 8)
    }

    /// Delivers `signals` (e.g. SIGTERM, SIGHUP) to `handler` on the loop thread instead of
    /// their default actions. Call before starting other threads: they inherit the mask.
    public func handleSignals(_ signals: [Int32], handler: @escaping (Int32) -> Void) throws(SystemError) {
        let fd = FileDescriptor(owning: try syscall("signalfd") { signals.withUnsafeBufferPointer { rc_signalfd($0.baseAddress, Int32($0.count)) } })
        try add(fd.rawValue, token: Self.signalToken, interest: .read)
        signalFD = fd
        signalHandler = handler
    }

    /// Runs until `stop` is called.
    public func run() {
        var tokens = [UInt64](repeating: 0, count: 64)
        var events = [UInt32](repeating: 0, count: 64)
        while !stopRequested.load(ordering: .acquiring) {
            rearmTimer()
            let n = tokens.withUnsafeMutableBufferPointer { t in
                events.withUnsafeMutableBufferPointer { e in
                    retryingEINTR { rc_epoll_wait(epoll.rawValue, t.baseAddress, e.baseAddress, 64, -1) }
                }
            }
            for i in 0..<Int(max(n, 0)) {
                dispatch(token: tokens[i], events: events[i])
            }
        }
    }

    private func dispatch(token: UInt64, events: UInt32) {
        switch token {
        case Self.wakeToken:
            var value: UInt64 = 0
            _ = Glibc.read(wakeFD.rawValue, &value, 8)
            let tasks = posted.withLock { tasks in
                let taken = tasks
                tasks.removeAll(keepingCapacity: true)
                return taken
            }
            for task in tasks { task() }
        case Self.timerToken:
            var expirations: UInt64 = 0
            _ = Glibc.read(timerFD.rawValue, &expirations, 8)
            armedDeadline = nil
            runDueTimers()
        case Self.signalToken:
            guard let fd = signalFD else { return }
            while true {
                let signo = rc_signalfd_read(fd.rawValue)
                if signo <= 0 { break }
                signalHandler?(signo)
            }
        default:
            let fd = Int32(bitPattern: UInt32(truncatingIfNeeded: token))
            // A descriptor closed earlier in this batch, or closed and its number reused.
            guard let registration = registrations[fd], registration.generation == UInt32(truncatingIfNeeded: token >> 32)
            else { return }
            let failed = events & UInt32(RC_EPOLLERR | RC_EPOLLHUP | RC_EPOLLRDHUP) != 0
            registration.handler(
                Readiness(
                    readable: events & UInt32(RC_EPOLLIN) != 0,
                    writable: events & UInt32(RC_EPOLLOUT) != 0,
                    hangUp: failed))
        }
    }

    /// The most due timers one turn of the loop runs. A thousand idle connections opened
    /// together reach their deadlines together; the rest run in the next turns (the timerfd is
    /// re-armed for a time already past), so descriptors that became ready meanwhile (a token
    /// client) are served between the batches instead of after all of them.
    public static let maximumTimersPerTurn = 64

    private func runDueTimers() {
        let current = now
        var ran = 0
        while ran < Self.maximumTimersPerTurn, let top = timerHeap.first, top.deadline <= current {
            popTimer()
            if let body = timerBodies.removeValue(forKey: top.id) {
                body()
                ran += 1
            }
        }
    }

    private func rearmTimer() {
        while let top = timerHeap.first, timerBodies[top.id] == nil { popTimer() }
        guard let deadline = timerHeap.first?.deadline else {
            if armedDeadline != nil {
                _ = rc_timerfd_set_absolute(timerFD.rawValue, 0)
                armedDeadline = nil
            }
            return
        }
        if deadline != armedDeadline {
            // 0 would disarm: a deadline at or before the epoch still fires at once.
            _ = rc_timerfd_set_absolute(timerFD.rawValue, max(deadline.nanoseconds, 1))
            armedDeadline = deadline
        }
    }

    // A binary min-heap on (deadline, id): ties run in scheduling order.
    private func pushTimer(_ timer: Timer) {
        timerHeap.append(timer)
        var child = timerHeap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.before(timerHeap[child], timerHeap[parent]) else { break }
            timerHeap.swapAt(child, parent)
            child = parent
        }
    }

    private func popTimer() {
        let last = timerHeap.removeLast()
        guard !timerHeap.isEmpty else { return }
        timerHeap[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < timerHeap.count, Self.before(timerHeap[left], timerHeap[smallest]) { smallest = left }
            if right < timerHeap.count, Self.before(timerHeap[right], timerHeap[smallest]) { smallest = right }
            if smallest == parent { return }
            timerHeap.swapAt(parent, smallest)
            parent = smallest
        }
    }

    private static func before(_ a: Timer, _ b: Timer) -> Bool {
        a.deadline < b.deadline || (a.deadline == b.deadline && a.id < b.id)
    }
}
