import Glibc
import RCSystem
import Synchronization
import Testing

@Suite struct EventLoopTests {
    @Test func dueTimersRunInDeadlineOrderAndTiesInSchedulingOrder() throws {
        let order = Recorder<String>()
        let done = Latch()
        let thread = try LoopThread()
        thread.sync {
            let loop = thread.loop
            let now = loop.now
            // All already due: one timerfd expiry runs them, so the order is the heap's.
            loop.schedule(at: now.adding(seconds: -1)) { order.append("c1") }
            loop.schedule(at: now.adding(seconds: -3)) { order.append("a") }
            loop.schedule(at: now.adding(seconds: -1)) { order.append("c2") }
            loop.schedule(at: now.adding(seconds: -2)) { order.append("b") }
            loop.schedule(at: now.adding(seconds: -1)) { order.append("c3") }
            loop.schedule(at: now.adding(milliseconds: 5)) {
                order.append("later")
                done.open()
            }
        }
        #expect(done.wait())
        #expect(thread.stop())
        #expect(order.values == ["a", "b", "c1", "c2", "c3", "later"])
    }

    @Test func manyTimersComeOutSorted() throws {
        let fired = Recorder<Int64>()
        let all = Latch()
        let thread = try LoopThread()
        let count = 500
        thread.sync {
            let loop = thread.loop
            let base = loop.now.adding(seconds: -100)
            var generator = SystemRandomNumberGenerator()
            for _ in 0..<count {
                let offset = Int64.random(in: 0..<50_000, using: &generator)
                loop.schedule(at: base.adding(milliseconds: offset)) { fired.append(offset) }
            }
            loop.schedule(at: base.adding(milliseconds: 50_000)) { all.open() }
        }
        #expect(all.wait())
        #expect(thread.stop())
        #expect(fired.values.count == count)
        #expect(fired.values == fired.values.sorted())
    }

    @Test func cancelledTimersDoNotRun() throws {
        let order = Recorder<String>()
        let thread = try LoopThread()
        thread.sync {
            let loop = thread.loop
            let now = loop.now
            let a = loop.schedule(at: now.adding(seconds: -1)) { order.append("a") }
            loop.cancel(a)
            loop.cancel(a)  // twice is fine
            // A timer due in the same batch may cancel a later one.
            var victim: EventLoop.TimerID?
            loop.schedule(at: now.adding(seconds: -0.5)) {
                order.append("b")
                if let victim { loop.cancel(victim) }
            }
            victim = loop.schedule(at: now.adding(seconds: -0.25)) { order.append("victim") }
            let far = loop.schedule(at: now.adding(seconds: 3600)) { order.append("far") }
            loop.cancel(far)
            loop.schedule(at: now.adding(milliseconds: 2)) { order.append("c") }
        }
        // Flush: a posted task after the last timer has had its chance.
        let settled = Latch()
        thread.sync {
            thread.loop.schedule(at: thread.loop.now.adding(milliseconds: 3)) { settled.open() }
        }
        #expect(settled.wait())
        #expect(thread.stop())
        #expect(order.values == ["b", "c"])
    }

    @Test func aTimerInThePastOrAtTheEpochFiresAtOnce() throws {
        let fired = Recorder<String>()
        let done = Latch()
        let thread = try LoopThread()
        thread.sync {
            let loop = thread.loop
            loop.schedule(at: Instant(nanoseconds: 0)) { fired.append("epoch") }
            loop.schedule(at: Instant(nanoseconds: -5_000_000_000)) { fired.append("before epoch") }
            loop.schedule(at: loop.now.adding(seconds: -60)) {
                fired.append("a minute ago")
                done.open()
            }
        }
        #expect(done.wait(seconds: 2))
        #expect(thread.stop())
        #expect(fired.values == ["before epoch", "epoch", "a minute ago"])
    }

    @Test func aTimerScheduledFromATimerRuns() throws {
        let done = Latch()
        let thread = try LoopThread()
        thread.sync {
            let loop = thread.loop
            loop.schedule(at: loop.now) {
                loop.schedule(at: loop.now.adding(milliseconds: 1)) { done.open() }
            }
        }
        #expect(done.wait(seconds: 2))
        #expect(thread.stop())
    }

    @Test func executeFromAnotherThreadRunsOnTheLoopThread() throws {
        let thread = try LoopThread()
        let ran = Recorder<Int32>()
        let count = 200
        let all = Latch()
        for _ in 0..<4 {
            try ThreadSpawn.detached {
                for _ in 0..<(count / 4) {
                    thread.loop.execute {
                        ran.append(currentThreadID())
                        if ran.values.count == count { all.open() }
                    }
                }
            }
        }
        #expect(all.wait())
        #expect(thread.stop())
        #expect(ran.values.count == count)
        #expect(Set(ran.values) == [thread.threadID])
    }

    @Test func stopFromAnotherThreadEndsRun() throws {
        let thread = try LoopThread()
        #expect(thread.stop())
    }

    @Test func stopBeforeRunReturnsAtOnce() throws {
        let loop = try EventLoop()
        loop.stop()
        loop.run()
    }

    @Test func readinessRegisterModifyUnregister() throws {
        let (a, b) = socketPair(nonBlocking: true)
        let events = Recorder<String>()
        let thread = try LoopThread()
        let handoff = Handoff((a, b))
        let readable = Latch()
        thread.sync {
            let (a, _) = handoff.value
            try? thread.loop.register(a.rawValue, interest: .read) { readiness in
                var scratch: [UInt8] = []
                if readiness.readable, case .bytes = (try? a.read(appendingTo: &scratch)) ?? .endOfFile {
                    events.append("read " + String(decoding: scratch, as: UTF8.self))
                    readable.open()
                }
            }
            #expect(thread.loop.registeredCount == 1)
        }
        _ = try b.write(bytes("ping"), from: 0)
        #expect(readable.wait())

        let writable = Latch()
        thread.sync {
            let (a, _) = handoff.value
            thread.loop.unregister(a.rawValue)
            #expect(thread.loop.registeredCount == 0)
            try? thread.loop.register(a.rawValue, interest: .read) { readiness in
                if readiness.writable {
                    events.append("writable")
                    try? thread.loop.modify(a.rawValue, interest: .read)
                    writable.open()
                }
            }
            try? thread.loop.modify(a.rawValue, interest: .write)
        }
        #expect(writable.wait())

        thread.sync {
            thread.loop.unregister(handoff.value.0.rawValue)
            thread.loop.unregister(handoff.value.0.rawValue)  // twice is fine
            #expect(thread.loop.registeredCount == 0)
        }
        _ = try b.write(bytes("unheard"), from: 0)
        thread.sync {}
        #expect(thread.stop())
        #expect(events.values == ["read ping", "writable"])
    }

    @Test func peerHangUpIsReported() throws {
        let (a, b) = socketPair(nonBlocking: true)
        let hungUp = Latch()
        let thread = try LoopThread()
        let handoff = Handoff(a)
        thread.sync {
            let a = handoff.value
            try? thread.loop.register(a.rawValue, interest: .read) { readiness in
                if readiness.hangUp {
                    thread.loop.unregister(a.rawValue)
                    hungUp.open()
                }
            }
        }
        b.close()
        #expect(hungUp.wait())
        #expect(thread.stop())
    }

    /// Issue 19: events come out of epoll_wait in batches, and a handler early in a batch may
    /// close another descriptor while an accept reuses its number before the batch is over.
    /// The event the kernel had queued for the old socket (here a hang-up, which makes the
    /// servers drop a connection) must not reach the new registration under that number.
    @Test func aStaleEventForAReusedDescriptorNumberIsDropped() throws {
        let (a1, b1) = socketPair(nonBlocking: true)
        let (a2, b2) = socketPair(nonBlocking: true)
        let (fresh, freshPeer) = socketPair(nonBlocking: true)
        // Both hung up before they are registered: EPOLL_CTL_ADD queues a descriptor that is
        // ready already, so the next epoll_wait reports both in one batch.
        b1.close()
        b2.close()
        let reused = Recorder<Int32>()
        let heard = Recorder<String>()
        let swapped = Latch()
        let read = Latch()
        let thread = try LoopThread()
        let handoff = Handoff((a1, a2, fresh))
        thread.sync {
            let (a1, a2, fresh) = handoff.value
            let loop = thread.loop
            for (mine, other) in [(a1, a2), (a2, a1)] {
                try? loop.register(mine.rawValue, interest: .read) { _ in
                    // Whichever of the two comes first in the batch takes the other's number.
                    loop.unregister(mine.rawValue)
                    let number = other.rawValue
                    loop.unregister(number)
                    // Closes the other socket and puts the fresh one under its number, as an
                    // accept would, without depending on which numbers are free.
                    guard dup2(fresh.rawValue, number) == number else { return }
                    try? loop.register(number, interest: .read) { readiness in
                        if readiness.hangUp {
                            heard.append("hang-up")
                        } else if readiness.readable {
                            var scratch: [UInt8] = []
                            _ = try? other.read(appendingTo: &scratch)
                            heard.append("read " + String(decoding: scratch, as: UTF8.self))
                            read.open()
                        }
                    }
                    reused.append(number)
                    swapped.open()
                }
            }
        }
        #expect(swapped.wait())
        thread.sync {}  // posted after the batch was taken, so it runs once the batch is done
        #expect(reused.values.count == 1)
        #expect(heard.values.isEmpty, "the new registration got the old socket's event")
        // The new registration itself is watched: its own data arrives.
        _ = try freshPeer.write(bytes("new"), from: 0)
        #expect(read.wait())
        thread.sync {
            let (a1, a2, _) = handoff.value
            thread.loop.unregister(a1.rawValue)
            thread.loop.unregister(a2.rawValue)
        }
        #expect(thread.stop())
        #expect(heard.values == ["read new"])
    }

    @Test func registeringAClosedDescriptorFails() throws {
        let loop = try EventLoop()
        #expect(throws: SystemError("epoll_ctl(ADD)", errno: EBADF)) {
            try loop.register(highDescriptorThatIsClosed, interest: .read) { _ in }
        }
        #expect(loop.registeredCount == 0)
    }

    /// Signal masks are per thread: SIGHUP is blocked by `handleSignals` on the loop thread
    /// only, so it is sent to that thread with pthread_kill, never to the process.
    @Test func handleSignalsDeliversSIGHUPOnTheLoopThread() throws {
        let received = Recorder<Int32>()
        let onThread = Recorder<Int32>()
        let delivered = Latch()
        let thread = try LoopThread { loop in
            try? loop.handleSignals([SIGHUP, SIGUSR2]) { signo in
                received.append(signo)
                onThread.append(currentThreadID())
                if received.values.count == 2 { delivered.open() }
            }
        }
        #expect(pthread_kill(thread.pthread, SIGHUP) == 0)
        #expect(pthread_kill(thread.pthread, SIGUSR2) == 0)
        #expect(delivered.wait())
        #expect(thread.stop())
        #expect(Set(received.values) == [SIGHUP, SIGUSR2])
        #expect(Set(onThread.values) == [thread.threadID])
    }

    /// An idle loop (a descriptor with nothing to read, a timer an hour away, a cancelled
    /// one) sleeps in epoll_wait: its thread is not scheduled at all. The kernel counts every
    /// time a thread blocks again, so its voluntary context switches must not move.
    @Test func anIdleLoopDoesNotWakeUp() throws {
        let (a, b) = socketPair(nonBlocking: true)
        let calls = Recorder<Int>()
        let handoff = Handoff(a)
        let thread = try LoopThread()
        thread.sync {
            let loop = thread.loop
            try? loop.register(handoff.value.rawValue, interest: .read) { _ in calls.append(1) }
            loop.schedule(at: loop.now.adding(seconds: 3600)) { calls.append(2) }
            let cancelled = loop.schedule(at: loop.now.adding(milliseconds: 50)) { calls.append(3) }
            loop.cancel(cancelled)
        }
        // Let the loop reach epoll_wait after the posted task.
        usleep(20_000)
        let before = voluntarySwitches(thread.threadID)
        usleep(200_000)
        let after = voluntarySwitches(thread.threadID)
        #expect(before != nil)
        #expect(after == before, "the idle loop woke up \((after ?? 0) - (before ?? 0)) times")
        #expect(calls.values.isEmpty)
        withExtendedLifetime(b) {}
        #expect(thread.stop())
    }
}

/// A descriptor number nobody in this process has open.
let highDescriptorThatIsClosed: Int32 = 999

/// voluntary_ctxt_switches of one thread of this process.
func voluntarySwitches(_ tid: Int32) -> Int? {
    guard let file = fopen("/proc/self/task/\(tid)/status", "r") else { return nil }
    defer { fclose(file) }
    var line = [CChar](repeating: 0, count: 256)
    while fgets(&line, Int32(line.count), file) != nil {
        let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if text.hasPrefix("voluntary_ctxt_switches:") {
            return Int(text.dropFirst("voluntary_ctxt_switches:".count).trimmed(" \t\n"))
        }
    }
    return nil
}

extension Substring {
    func trimmed(_ set: String) -> String {
        var text = self
        while let first = text.first, set.contains(first) { text.removeFirst() }
        while let last = text.last, set.contains(last) { text.removeLast() }
        return String(text)
    }
}
