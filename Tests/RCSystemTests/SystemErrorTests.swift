import Glibc
import RCSystem
import Synchronization
import Testing

@Suite struct SystemErrorTests {
    @Test func descriptionsNameTheCallAndSayWhatStrerrorSays() {
        #expect(SystemError("connect(login.example.com)", errno: ETIMEDOUT).description == "connect(login.example.com): Connection timed out")
        #expect(SystemError.timedOut("read").description == "read: Connection timed out")
        #expect(SystemError("bind", errno: EADDRINUSE).description == "bind: Address already in use")
        let lookup = SystemError("getaddrinfo(nowhere.invalid)", errno: EHOSTUNREACH, reason: "Name or service not known")
        #expect(lookup.description == "getaddrinfo(nowhere.invalid): Name or service not known")
        // Every errno reads as words after the call's name, never as a bare number.
        for code in Int32(1)...Int32(140) {
            let text = SystemError("read", errno: code).description
            #expect(text.hasPrefix("read: "))
            #expect(text.dropFirst(6).contains { $0.isLetter }, "errno \(code) reads as \(text)")
            #expect(!text.contains("errno"))
        }
    }

    @Test func syscallThrowsTheNameItWasGivenWithTheErrnoTheCallLeft() {
        #expect(throws: SystemError("close(-1)", errno: EBADF)) { try syscall("close(-1)") { close(-1) } }
        #expect(throws: SystemError("close(-1)", errno: EBADF)) { try syscallOrWouldBlock("close(-1)") { close(-1) } }
    }

    @Test func syscallOrWouldBlockTurnsEAGAINIntoNil() throws {
        var ends: [Int32] = [-1, -1]
        #expect(pipe(&ends) == 0)
        let reader = FileDescriptor(owning: ends[0])
        let writer = FileDescriptor(owning: ends[1])
        try reader.setNonBlocking()
        var byte: UInt8 = 0
        #expect(try syscallOrWouldBlock("read") { read(reader.rawValue, &byte, 1) } == nil)
        #expect(write(writer.rawValue, "x", 1) == 1)
        #expect(try syscallOrWouldBlock("read") { read(reader.rawValue, &byte, 1) } == 1)
    }

    @Test func retryingEINTRRunsTheCallAgainUntilItIsNotInterrupted() throws {
        var calls = 0
        let result = retryingEINTR { () -> Int in
            calls += 1
            guard calls > 2 else {
                errno = EINTR
                return -1
            }
            return 7
        }
        #expect(result == 7)
        #expect(calls == 3)
        // Another failure is returned at once, with its errno.
        calls = 0
        #expect(retryingEINTR { () -> Int32 in calls += 1; errno = EIO; return -1 } == -1)
        #expect(errno == EIO && calls == 1)
        #expect(throws: SystemError("op", errno: EIO)) {
            calls = 0
            return try syscall("op") { () -> Int32 in calls += 1; errno = calls < 3 ? EINTR : EIO; return -1 }
        }
        #expect(calls == 3)
    }

    /// A real signal, delivered to a thread blocked in read(2) while a handler without
    /// SA_RESTART is installed, makes read fail with EINTR; the helper reads again.
    @Test func aBlockingReadInterruptedByARealSignalIsRetried() throws {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in }
        action.sa_flags = 0
        sigemptyset(&action.sa_mask)
        var previous = sigaction()
        #expect(sigaction(SIGUSR1, &action, &previous) == 0)
        defer { sigaction(SIGUSR1, &previous, nil) }

        var ends: [Int32] = [-1, -1]
        #expect(pipe(&ends) == 0)
        let readEnd = ends[0]
        let writer = FileDescriptor(owning: ends[1])
        defer { close(readEnd) }
        let attempts = Atomic<Int>(0)
        let thread = Locked<pthread_t?>(nil)
        let outcome = Locked<(Int, Int32)?>(nil)
        try ThreadSpawn.detached {
            // The test's own thread (a worker of the pool) may block signals, and this one
            // inherited its mask.
            var usr1 = sigset_t()
            sigemptyset(&usr1)
            sigaddset(&usr1, SIGUSR1)
            pthread_sigmask(SIG_UNBLOCK, &usr1, nil)
            thread.withLock { $0 = pthread_self() }
            var byte: UInt8 = 0
            let n = retryingEINTR { () -> Int in
                attempts.add(1, ordering: .relaxed)
                return read(readEnd, &byte, 1)
            }
            outcome.withLock { $0 = (n, Int32(byte)) }
        }
        let deadline = Instant.deadline(afterSeconds: 10)
        // A signal that lands before read blocks interrupts nothing: keep signalling until
        // read has been interrupted twice.
        while attempts.load(ordering: .relaxed) < 3, Instant.now(.monotonic) < deadline {
            if let target = thread.withLock({ $0 }) { pthread_kill(target, SIGUSR1) }
            usleep(5_000)
        }
        #expect(write(writer.rawValue, "z", 1) == 1)
        while outcome.withLock({ $0 }) == nil, Instant.now(.monotonic) < deadline { usleep(1_000) }
        let result = outcome.withLock { $0 }
        #expect(result?.0 == 1)
        #expect(result?.1 == Int32(UInt8(ascii: "z")))
        #expect(attempts.load(ordering: .relaxed) >= 3)
    }
}
