import RCSystem
import Testing

/// Cancelled timers behind a live one that is due sooner: the benchmark's figure 8 (idle
/// connections with deadlines, and short-lived clients that each schedule and cancel one).
@Suite struct EventLoopTimerHeapTests {
    @Test func cancelledTimersDoNotPileUpAndLiveOnesStillRunInOrder() throws {
        let heapSizes = Recorder<Int>()
        let fired = Recorder<Int64>()
        let finished = Latch()
        let thread = try LoopThread { loop in
            // Live timers already due, in random order, each followed by many cancelled
            // ones due later: the cancelled entries can only surface after the live ones.
            let start = loop.now.adding(seconds: -100)
            var random = SystemRandomNumberGenerator()
            for _ in 0..<300 {
                let offset = Int64.random(in: 0..<50_000, using: &random)
                loop.schedule(at: start.adding(milliseconds: offset)) { fired.append(offset) }
                for _ in 0..<30 {
                    loop.cancel(loop.schedule(at: start.adding(seconds: 1000)) {})
                }
            }
            heapSizes.append(loop.timerHeapCount)
            loop.schedule(at: start.adding(milliseconds: 50_000)) { finished.open() }
        }
        #expect(finished.wait())
        #expect(thread.stop())
        // 9,000 cancelled entries went in; at most twice the live timers (or 64) remain.
        #expect((heapSizes.values.first ?? .max) <= 2 * 300)
        #expect(fired.values.count == 300)
        #expect(fired.values == fired.values.sorted())
    }
}

@Suite struct EventLoopPauseTests {
    /// A paused descriptor is not reported until the pause ends, then is again; a paused
    /// descriptor that was unregistered meanwhile stays unregistered.
    @Test func pauseReadingSilencesADescriptorForAWhile() throws {
        let loop = try EventLoop()
        let (a, b) = socketPair(nonBlocking: true)
        _ = try b.write(Array("x".utf8), from: 0)
        var reports: [Instant] = []
        var pausedAt: Instant?
        try loop.register(a.rawValue, interest: .read) { _ in
            reports.append(loop.now)
            if pausedAt == nil {
                pausedAt = loop.now
                loop.pauseReading(a.rawValue, seconds: 0.05)
            } else {
                loop.stop()
            }
        }
        loop.run()
        #expect(reports.count == 2)
        if let start = pausedAt, let last = reports.last {
            #expect(last.seconds(since: start) >= 0.05)
        }
        loop.unregister(a.rawValue)
        loop.pauseReading(a.rawValue, seconds: 0.01)  // not registered: nothing to pause or resume
        #expect(loop.registeredCount == 0)
    }
}

@Suite struct EventLoopFairnessTests {
    /// 1,000 timers due at once (idle connections reaching their deadline together) run in
    /// batches, in order, and a descriptor that is ready meanwhile is served between batches
    /// rather than after all of them.
    @Test func manyDueTimersLetAReadyDescriptorThrough() throws {
        let loop = try EventLoop()
        let (a, b) = socketPair(nonBlocking: true)
        var order: [Int] = []  // timer numbers, and -1 for the descriptor
        let due = loop.now.adding(seconds: -1)
        for n in 0..<1000 {
            loop.schedule(at: due) {
                order.append(n)
                // The client arrives while the first timers run.
                if n == 0 { _ = try? b.write(Array("x".utf8), from: 0) }
                if n == 999 { loop.stop() }
            }
        }
        try loop.register(a.rawValue, interest: .read) { _ in
            order.append(-1)
            loop.unregister(a.rawValue)
        }
        loop.run()
        let timers = order.filter { $0 >= 0 }
        #expect(timers == Array(0..<1000))
        let served = try #require(order.firstIndex(of: -1))
        // The loop reports the timer first in a turn where both are ready, so at most two batches.
        #expect(served <= 2 * EventLoop.maximumTimersPerTurn, "the descriptor waited for \(served) timers")
    }
}
