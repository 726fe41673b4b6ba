import RCSystem
import Testing

/// Cancelled timers behind a live one that is due sooner: the benchmark's figure 8 (idle
/// connections with deadlines, and short-lived clients that each schedule and cancel one).
@Suite struct EventLoopTimerHeapTests {
    @Test func cancelledTimersBehindAnEarlierLiveOneDoNotPileUp() throws {
        let sizes = Recorder<Int>()
        let thread = try LoopThread()
        thread.sync {
            let loop = thread.loop
            loop.schedule(at: loop.now.adding(seconds: 10)) {}
            for _ in 0..<10_000 {
                loop.cancel(loop.schedule(at: loop.now.adding(seconds: 40)) {})
            }
            sizes.append(loop.timerHeapCount)
        }
        #expect(thread.stop())
        #expect((sizes.values.first ?? .max) <= 65)
    }

    @Test func liveTimersStillRunInOrderAfterCompaction() throws {
        let fired = Recorder<Int64>()
        let all = Latch()
        let thread = try LoopThread()
        thread.sync {
            let loop = thread.loop
            let base = loop.now.adding(seconds: -100)
            var generator = SystemRandomNumberGenerator()
            for _ in 0..<300 {
                let offset = Int64.random(in: 0..<50_000, using: &generator)
                loop.schedule(at: base.adding(milliseconds: offset)) { fired.append(offset) }
                // Each live timer comes with cancelled ones, enough to force compactions.
                for _ in 0..<5 {
                    loop.cancel(loop.schedule(at: base.adding(milliseconds: Int64.random(in: 0..<50_000, using: &generator))) {})
                }
            }
            loop.schedule(at: base.adding(milliseconds: 50_000)) { all.open() }
        }
        #expect(all.wait())
        #expect(thread.stop())
        #expect(fired.values.count == 300)
        #expect(fired.values == fired.values.sorted())
    }
}
