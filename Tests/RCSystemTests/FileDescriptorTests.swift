import Glibc
import RCSystem
import RCTestSupport
import Testing

@Suite struct FileDescriptorTests {
    @Test func closeIsIdempotentAndNeverClosesAReusedNumber() {
        let number = highDescriptor(dup(0), slot: 1)
        let fd = FileDescriptor(owning: number)
        fd.close()
        #expect(fd.rawValue == -1)
        #expect(!isOpen(number))
        // The number is handed out again; a second close must not touch the new owner's file.
        #expect(dup2(1, number) == number)
        fd.close()
        #expect(isOpen(number))
        close(number)
    }

    @Test func deinitCloses() {
        let number = highDescriptor(dup(0), slot: 2)
        do {
            let fd = FileDescriptor(owning: number)
            #expect(isOpen(fd.rawValue))
        }
        #expect(!isOpen(number))
        #expect(errno == EBADF)
    }

    @Test func releaseGivesUpOwnership() {
        let number = highDescriptor(dup(0), slot: 3)
        do {
            let fd = FileDescriptor(owning: number)
            #expect(fd.release() == number)
            #expect(fd.rawValue == -1)
        }
        #expect(isOpen(number))
        close(number)
    }

    @Test func readAndWriteOnASocketPair() throws {
        let (a, b) = socketPair(nonBlocking: true)
        #expect(try a.write(bytes("hello"), from: 0) == .bytes(5))
        #expect(try a.write(bytes("xxworld"), from: 2) == .bytes(5))
        #expect(try a.write(bytes("abc"), from: 3) == .bytes(0))
        var received: [UInt8] = [9]
        #expect(try b.read(appendingTo: &received, max: 64) == .bytes(10))
        #expect(received == [9] + bytes("helloworld"))
        #expect(try b.read(appendingTo: &received) == .wouldBlock)
        #expect(received.count == 11)

        let wrote = try bytes("raw").withUnsafeBytes { try a.write($0) }
        #expect(wrote == .bytes(3))
        var buffer = [UInt8](repeating: 0, count: 8)
        let result = try buffer.withUnsafeMutableBytes { try b.read(into: $0) }
        #expect(result == .bytes(3))
        #expect(Array(buffer.prefix(3)) == bytes("raw"))

        a.close()
        #expect(try b.read(appendingTo: &received) == .endOfFile)
        let eof = try buffer.withUnsafeMutableBytes { try b.read(into: $0) }
        #expect(eof == .endOfFile)
    }

    @Test func writeFallsBackToWriteForPipes() throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        let reader = FileDescriptor(owning: ends[0])
        let writer = FileDescriptor(owning: ends[1])
        try reader.setNonBlocking()
        #expect(try writer.write(bytes("pipe"), from: 0) == .bytes(4))
        let wrote = try bytes("!").withUnsafeBytes { try writer.write($0) }
        #expect(wrote == .bytes(1))
        var received: [UInt8] = []
        #expect(try reader.read(appendingTo: &received) == .bytes(5))
        #expect(received == bytes("pipe!"))
    }

    /// A write to a peer that left must be EPIPE, never SIGPIPE. SIGPIPE is blocked in this
    /// thread only to observe it: a send without MSG_NOSIGNAL would leave it pending here
    /// (Linux keeps a blocked signal pending even when its disposition is "ignore").
    @Test func writeToAClosedPeerIsEPIPEWithoutSIGPIPE() throws {
        var pipeOnly = sigset_t()
        sigemptyset(&pipeOnly)
        sigaddset(&pipeOnly, SIGPIPE)
        var previous = sigset_t()
        #expect(pthread_sigmask(SIG_BLOCK, &pipeOnly, &previous) == 0)
        defer {
            var pending = sigset_t()
            sigpending(&pending)
            if sigismember(&pending, SIGPIPE) == 1 {
                var none = timespec()
                _ = sigtimedwait(&pipeOnly, nil, &none)
            }
            pthread_sigmask(SIG_SETMASK, &previous, nil)
        }

        for useArray in [true, false] {
            let (a, b) = socketPair(nonBlocking: true)
            b.close()
            var thrown: SystemError?
            do {
                if useArray {
                    _ = try a.write(bytes("gone"), from: 0)
                } else {
                    _ = try bytes("gone").withUnsafeBytes { try a.write($0) }
                }
            } catch let error as SystemError {
                thrown = error
            }
            #expect(thrown?.errno == EPIPE)
            var pending = sigset_t()
            sigpending(&pending)
            #expect(sigismember(&pending, SIGPIPE) == 0, "a SIGPIPE was raised: MSG_NOSIGNAL is missing")
        }
    }

    @Test func writeAllToAFullSocketTimesOut() throws {
        let (a, b) = socketPair(nonBlocking: true)
        try withExtendedLifetime(b) {
            // Fill the send buffer; the peer never reads.
            let chunk = [UInt8](repeating: 0x41, count: 65536)
            while case .bytes = try a.write(chunk, from: 0) {}
            let started = Instant.now(.monotonic)
            #expect(throws: SystemError("write", errno: ETIMEDOUT)) {
                try a.writeAll(chunk, deadline: Instant.deadline(afterSeconds: 0.05))
            }
            #expect(Instant.now(.monotonic).seconds(since: started) < 2)
        }
    }

    @Test func writeAllWritesEverythingWhenTheReaderKeepsUp() throws {
        let (a, b) = socketPair(nonBlocking: true)
        let payload = (0..<1_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let reader = Handoff(b)
        let collected = Recorder<[UInt8]>()
        let done = Latch()
        try ThreadSpawn.detached {
            let all = (try? readToEnd(reader.value)) ?? []
            collected.append(all)
            done.open()
        }
        try a.writeAll(payload, deadline: Instant.deadline(afterSeconds: 10))
        a.close()
        #expect(done.wait())
        #expect(collected.values.first == payload)
    }

    @Test func waitForReportsReadinessAndTimeout() throws {
        let (a, b) = socketPair(nonBlocking: true)
        #expect(try a.waitFor(writing: true, until: Instant.deadline(afterSeconds: 1)))
        #expect(try !a.waitFor(writing: false, until: Instant.deadline(afterSeconds: 0.01)))
        #expect(try !a.waitFor(writing: false, until: Instant.now(.monotonic).adding(seconds: -1)))
        _ = try b.write(bytes("x"), from: 0)
        #expect(try a.waitFor(writing: false, until: Instant.deadline(afterSeconds: 1)))
    }

    @Test func setNonBlockingTogglesTheFlag() throws {
        let (a, _) = socketPair()
        try a.setNonBlocking()
        #expect(fcntl(a.rawValue, F_GETFL) & O_NONBLOCK != 0)
        try a.setNonBlocking(false)
        #expect(fcntl(a.rawValue, F_GETFL) & O_NONBLOCK == 0)
        let closed = FileDescriptor(owning: -1)
        #expect(throws: SystemError("fcntl", errno: EBADF)) { try closed.setNonBlocking() }
    }
}
