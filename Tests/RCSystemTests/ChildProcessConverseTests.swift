import Glibc
@testable import RCSystem
import Testing

/// `ChildProcess.converse`: input on the child's stdin, its stdout collected, a time limit
/// and an output cap that end it, and a child that ignores its input never costs SIGPIPE.
@Suite struct ChildProcessConverseTests {
    static let environment = ["PATH=/usr/bin:/bin"]

    @Test func theInputComesBackThroughCat() throws {
        let input = Array((0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        let conversation = try ChildProcess.converse(["/bin/cat"], environment: Self.environment, input: input, timeoutSeconds: 10, maxOutput: 1 << 20)
        #expect(conversation.outcome == ChildProcess.Outcome(termination: .exited(0), timedOut: false))
        #expect(conversation.output == input)
        #expect(!conversation.outputTooLong)
    }

    /// A child that exits without reading 1 MiB of input: the write fails with EPIPE (the test
    /// process would die of SIGPIPE otherwise) and the exit status is still reported.
    @Test func aChildThatReadsNothingEndsTheConversationCleanly() throws {
        let input = [UInt8](repeating: 0x61, count: 1 << 20)
        let conversation = try ChildProcess.converse(
            ["/bin/sh", "-c", "printf early; exit 3"], environment: Self.environment, input: input, timeoutSeconds: 10, maxOutput: 1024)
        #expect(conversation.outcome == ChildProcess.Outcome(termination: .exited(3), timedOut: false))
        #expect(conversation.output.isEmpty || conversation.output == Array("early".utf8))
    }

    @Test func aChildPastItsTimeLimitIsKilledWithItsGroup() throws {
        let started = Instant.now(.monotonic)
        let conversation = try ChildProcess.converse(
            ["/bin/sh", "-c", "sleep 30 & sleep 30"], environment: Self.environment, input: [], timeoutSeconds: 0.5, maxOutput: 1024)
        #expect(conversation.outcome == ChildProcess.Outcome(termination: .signalled(SIGKILL), timedOut: true))
        #expect(Instant.now(.monotonic).seconds(since: started) < 5)
    }

    @Test func aChildThatWritesTooMuchIsCutOff() throws {
        let conversation = try ChildProcess.converse(
            ["/bin/sh", "-c", "while :; do printf 0123456789abcdef; done"], environment: Self.environment, input: [], timeoutSeconds: 10,
            maxOutput: 100_000)
        #expect(conversation.outputTooLong)
        #expect(conversation.output.count == 100_000)
        #expect(!conversation.outcome.timedOut)
    }

    @Test func aMissingProgramIsAnError() {
        #expect(throws: SystemError.self) {
            _ = try ChildProcess.converse(["/nonexistent/helper"], environment: Self.environment, input: [], timeoutSeconds: 1, maxOutput: 1)
        }
    }
}
