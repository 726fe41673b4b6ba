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
