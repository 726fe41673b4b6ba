import Glibc
import Testing

@testable import RCSystem

/// Sealed memfds, descriptors passed in datagrams (SCM_RIGHTS), and a child's stderr captured
/// in a memfd: what the daemon's file descriptor store and `persist` commands stand on.
@Suite struct SealedMemoryTests {
    @Test func aSealedMemfdReadsBackAndCannotBeChanged() throws {
        let bytes = Array((0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let fd = try SealedMemory.make(bytes, name: "test")
        #expect(SealedMemory.isSealed(fd))
        #expect(try SealedMemory.read(fd, limit: 1 << 20) == bytes)
        #expect(try SealedMemory.read(fd, limit: 1000) == nil)
        // Sealed: no write, no truncation, no new seal lifted.
        let written = [UInt8](repeating: 0, count: 4).withUnsafeBytes { Glibc.write(fd.rawValue, $0.baseAddress, $0.count) }
        #expect(written == -1 && errno == EPERM)
        #expect(ftruncate(fd.rawValue, 0) == -1)
        #expect(try SealedMemory.read(fd, limit: 1 << 20) == bytes)
        // Close-on-exec, so no child inherits it.
        #expect(fcntl(fd.rawValue, F_GETFD) & FD_CLOEXEC != 0)
    }

    @Test func anEmptyStateIsAnEmptyMemfd() throws {
        let fd = try SealedMemory.make([], name: "empty")
        #expect(try SealedMemory.read(fd, limit: 10) == [])
    }

    @Test func aPlainFileIsNotSealed() throws {
        let fd = FileDescriptor(owning: open("/dev/null", O_RDONLY | O_CLOEXEC))
        #expect(!SealedMemory.isSealed(fd))
    }

    @Test func descriptorsTravelWithADatagram() throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        let path = directory + "/notify.sock"
        let receiver = FileDescriptor(owning: socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0))
        let address = try SocketAddress.unix(path)
        #expect(address.withSockaddr { bind(receiver.rawValue, $0, $1) } == 0)
        let memfd = try SealedMemory.make(Array("state".utf8), name: "state")
        try Socket.sendDatagram(Array("FDSTORE=1\nFDNAME=state".utf8), toUnixPath: path, passing: [memfd.rawValue])
        memfd.close()
        let (message, descriptors) = try Socket.receiveDatagram(receiver.rawValue, maxBytes: 4096)
        #expect(String(decoding: message, as: UTF8.self) == "FDSTORE=1\nFDNAME=state")
        #expect(descriptors.count == 1)
        if let received = descriptors.first {
            #expect(try SealedMemory.read(received, limit: 100) == Array("state".utf8))
            #expect(SealedMemory.isSealed(received))
            #expect(fcntl(received.rawValue, F_GETFD) & FD_CLOEXEC != 0)
        }
        // Without descriptors, as sd_notify sends most messages.
        try Socket.sendDatagram(Array("READY=1".utf8), toUnixPath: path, passing: [])
        let plain = try Socket.receiveDatagram(receiver.rawValue, maxBytes: 4096)
        #expect(plain.bytes == Array("READY=1".utf8) && plain.descriptors.isEmpty)
        #expect(throws: SystemError.self) {
            try Socket.sendDatagram([1], toUnixPath: path, passing: Array(repeating: 0, count: 17))
        }
    }

    @Test func aChildsStderrIsCapturedApartFromItsOutput() throws {
        let conversation = try ChildProcess.converse(
            ["/bin/sh", "-c", "cat; echo 'first problem' >&2; echo second >&2; exit 2"], environment: ["PATH=/usr/bin:/bin"],
            input: Array("in".utf8), timeoutSeconds: 10, maxOutput: 1024, captureErrors: true)
        #expect(conversation.outcome == ChildProcess.Outcome(termination: .exited(2), timedOut: false))
        #expect(conversation.output == Array("in".utf8))
        #expect(String(decoding: conversation.errorOutput, as: UTF8.self) == "first problem\nsecond\n")
    }
}
