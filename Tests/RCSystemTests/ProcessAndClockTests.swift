import Glibc
import RCSystem
import Testing

@Suite struct InstantTests {
    @Test(arguments: [Instant.Clock.monotonic, .boot, .wall])
    func clocksDoNotGoBackwards(_ clock: Instant.Clock) {
        var previous = Instant.now(clock)
        for _ in 0..<10_000 {
            let next = Instant.now(clock)
            #expect(next >= previous)
            previous = next
        }
    }

    @Test func bootClockIsAtLeastTheMonotonicClock() {
        for _ in 0..<1000 {
            let monotonic = Instant.now(.monotonic)
            let boot = Instant.now(.boot)
            #expect(boot >= monotonic)
        }
    }

    @Test func arithmetic() {
        let t = Instant(nanoseconds: 10_000_000_000)
        #expect(t.adding(seconds: 1.5) == Instant(nanoseconds: 11_500_000_000))
        #expect(t.adding(seconds: -2) == Instant(nanoseconds: 8_000_000_000))
        #expect(t.adding(milliseconds: 250) == Instant(nanoseconds: 10_250_000_000))
        #expect(t.adding(seconds: 3).seconds(since: t) == 3)
        #expect(t.seconds(since: t.adding(milliseconds: 500)) == -0.5)
        #expect(t < t.adding(milliseconds: 1))
        #expect(t.description == "10.0s")
        let deadline = Instant.deadline(afterSeconds: 5)
        let remaining = deadline.seconds(since: Instant.now(.monotonic))
        #expect(remaining > 4 && remaining <= 5)
    }
}

@Suite struct ThreadAndProcessTests {
    @Test func detachedThreadRunsTheBody() throws {
        let ran = Recorder<Int32>()
        let done = Latch()
        try ThreadSpawn.detached {
            ran.append(currentThreadID())
            done.open()
        }
        #expect(done.wait())
        #expect(ran.values.count == 1)
        #expect(ran.values.first != currentThreadID())
    }

    @Test func environmentHasPATH() {
        let variables = ProcessEnvironment.variables()
        #expect(variables["PATH"] != nil)
        #expect(variables["PATH"] == String(cString: getenv("PATH")))
    }

    @Test func raiseDescriptorLimitKeepsSoftAtMostHard() {
        var before = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &before)
        ProcessEnvironment.raiseDescriptorLimit()
        var after = rlimit()
        #expect(getrlimit(Int32(RLIMIT_NOFILE.rawValue), &after) == 0)
        #expect(after.rlim_cur <= after.rlim_max)
        #expect(after.rlim_cur >= before.rlim_cur)
        #expect(after.rlim_cur == after.rlim_max)
        #expect(after.rlim_max == before.rlim_max)
    }
}

@Suite struct LockedTests {
    /// Eight threads each add 1 a hundred thousand times: no increment is lost. (CI also runs
    /// this under ThreadSanitizer, which sees the pthread mutex and reports nothing.)
    @Test func incrementsFromManyThreadsAreAllCounted() throws {
        let counter = Locked(0)
        let finished = Locked(0)
        for _ in 0..<8 {
            try ThreadSpawn.detached {
                for _ in 0..<100_000 { counter.withLock { $0 += 1 } }
                finished.withLock { $0 += 1 }
            }
        }
        let deadline = Instant.deadline(afterSeconds: 30)
        while finished.withLock({ $0 }) < 8 && Instant.now(.monotonic) < deadline {
            var pause = timespec(tv_sec: 0, tv_nsec: 1_000_000)
            nanosleep(&pause, nil)
        }
        #expect(counter.withLock { $0 } == 800_000)
    }

    @Test func aThrowingBodyReleasesTheLock() {
        struct Refused: Error {}
        let value = Locked([1, 2])
        #expect(throws: Refused.self) {
            try value.withLock { (list: inout [Int]) throws(Refused) in
                list.append(3)
                throw Refused()
            }
        }
        #expect(value.withLock { $0 } == [1, 2, 3])
    }
}
