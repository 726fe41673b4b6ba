import Foundation

/// The real `nc -U PATH` (netcat-openbsd), which the design promises works as a client.
enum NetcatUnix {
    static func read(_ socketPath: String) throws -> CommandRun {
        let nc = ["/usr/bin/nc", "/bin/nc"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? CommandRun.which("nc")
        guard let nc else {
            throw HarnessFailure("nc (netcat-openbsd) is not installed: apt-get install netcat-openbsd")
        }
        return try CommandRun.run(nc, ["-U", socketPath])
    }
}
