import Foundation
import RCTestProvider
import Testing

/// Another user of the machine against the person's sign-in listener: the attack of taking a
/// fresh sign-in link from the daemon, completing it as oneself at the provider and handing
/// the callback back, played with curl run as `nobody`; and what the person really does
/// (their own browser, a forwarder of their own as `ssh -L` is) still working.
@Suite(.serialized) struct DaemonPeerOwnerTests {
    /// Running a client as another uid needs root (CI runs as root), setpriv and curl.
    static let canActAsAnotherUser =
        getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") && CommandRun.which("curl") != nil

    /// curl as `uid` (by default `nobody`): the status, the redirect it was given, and the page.
    static func curl(_ arguments: [String], as uid: Int? = 65534) throws -> (status: Int, location: String, body: String) {
        guard let curl = CommandRun.which("curl") else { throw HarnessFailure("curl is not installed") }
        let marker = "\n--curl-status--"
        let command = [curl, "-s", "-g", "-w", "\(marker)%{http_code} %{redirect_url}"] + arguments
        let run =
            if let uid {
                try CommandRun.run(
                    "/usr/bin/setpriv", ["--reuid", String(uid), "--regid", String(uid), "--clear-groups"] + command,
                    environment: ["PATH": "/usr/bin:/bin"])
            } else {
                try CommandRun.run(curl, Array(command.dropFirst()), environment: ["PATH": "/usr/bin:/bin"])
            }
        guard let range = run.stdout.range(of: marker, options: .backwards) else {
            throw HarnessFailure("curl \(arguments) printed no status: \(run.stdout) \(run.stderr)")
        }
        let tail = run.stdout[range.upperBound...].split(separator: " ", maxSplits: 1)
        return (Int(tail.first ?? "") ?? 0, tail.count > 1 ? String(tail[1]) : "", String(run.stdout[..<range.lowerBound]))
    }

    @Test(.enabled(if: canActAsAnotherUser))
    func anotherUserCanNeitherStartNorCompleteNorSeeASignIn() throws {
        let tls = try TLSTestProvider()
        defer { tls.stop() }
        let daemon = try DaemonProcess(accounts: [("work", tls.account())], caPEM: tls.caPEM)
        defer { daemon.stop() }

        // Step 1 of the attack: a sign-in link with fresh state and PKCE, from the daemon.
        let start = try Self.curl([daemon.signInURL("work")])
        #expect(start.status == 403, "\(start)")
        #expect(start.location.isEmpty, "another user was sent to the provider: \(start.location)")
        #expect(start.body.contains("belongs to another user"), "\(start.body)")
        #expect(tls.provider.stats.authorizeRequests == 0)
        try daemon.log.waitForLine("refusing uid 65534") { $0.contains("refused a browser connection from uid 65534") }
        // Nor can it see which accounts there are, over IPv4 or IPv6.
        for url in [daemon.baseURL + "/", "http://[::1]:\(daemon.port)/"] {
            let index = try Self.curl([url])
            #expect(index.status == 403, "\(url): \(index)")
            #expect(!index.body.contains("work"), "\(url) showed an account name: \(index.body)")
        }

        // Step 3: a callback with a valid state, completed at the provider, delivered by
        // another uid (GET, then form_post) redeems nothing, and the person's sign-in stays
        // pending for the person.
        let outcome = try TestPerson.signIn(
            authorizeURL: try Browser.startSignIn(daemon, account: "work"), approve: true, caPEM: tls.caPEM)
        guard case .redirect(let location) = outcome else {
            Issue.record("expected a redirect back to the daemon, got \(outcome)")
            return
        }
        let stolen = try Self.curl(["-L", location])
        #expect(stolen.status == 403, "\(stolen)")
        let fields = try Browser.query(location)
        let posted = try Self.curl(
            ["--data-urlencode", "code=\(fields["code"] ?? "")", "--data-urlencode", "state=\(fields["state"] ?? "")", daemon.baseURL + "/callback"])
        #expect(posted.status == 403, "\(posted)")
        #expect(tls.provider.stats.tokenRequests == 0, "a callback delivered by another user reached the provider")
        #expect(try TokenSocket.readLine(daemon.socketPath("work")).hasPrefix("error: "))

        let page = try Browser.get(location)
        #expect(Browser.text(page).contains("Signed in to work"), "\(Browser.summary(page))")
        #expect(tls.provider.isValid(accessToken: try TokenSocket.readLine(daemon.socketPath("work"))))
    }

    @Test(.enabled(if: canActAsAnotherUser && CommandRun.which("socat") != nil))
    func aSignInThroughAForwarderOfThePersonsOwnWorksAndOneOfAnotherUserDoesNot() throws {
        let tls = try TLSTestProvider()
        defer { tls.stop() }
        let daemon = try DaemonProcess(accounts: [("work", tls.account())], caPEM: tls.caPEM)
        defer { daemon.stop() }
        // `ssh -L PORT:localhost:PORT` as socat does it: the browser talks to the same port on
        // another address (here 127.0.0.2, as a laptop's own loopback), and the forwarder, a
        // process of the forwarding user, connects to the daemon.
        func forwarder(as uid: Int?) throws -> SpawnedProcess {
            guard let socat = CommandRun.which("socat") else { throw HarnessFailure("socat is not installed") }
            let command = [socat, "TCP-LISTEN:\(daemon.port),bind=127.0.0.2,reuseaddr,fork", "TCP:127.0.0.1:\(daemon.port)"]
            let process =
                if let uid {
                    try SpawnedProcess(
                        "/usr/bin/setpriv", ["--reuid", String(uid), "--regid", String(uid), "--clear-groups"] + command,
                        environment: ["PATH": "/usr/bin:/bin"])
                } else {
                    try SpawnedProcess(socat, Array(command.dropFirst()), environment: ["PATH": "/usr/bin:/bin"])
                }
            // Listening once a connection is taken.
            let deadline = Date().addingTimeInterval(5)
            while Date() < deadline {
                if let fd = try? PlainConnect.tcp("127.0.0.2", daemon.port) {
                    close(fd)
                    return process
                }
                Thread.sleep(forTimeInterval: 0.05)
            }
            process.stop()
            throw HarnessFailure("socat did not listen on 127.0.0.2:\(daemon.port): \(process.log.text)")
        }
        let through = ["--connect-to", "localhost:\(daemon.port):127.0.0.2:\(daemon.port)"]

        let own = try forwarder(as: nil)
        let start = try Self.curl(through + [daemon.signInURL("work")], as: nil)
        #expect(start.status == 302, "\(start)")
        let outcome = try TestPerson.signIn(authorizeURL: start.location, approve: true, caPEM: tls.caPEM)
        guard case .redirect(let location) = outcome else {
            own.stop()
            Issue.record("expected a redirect back to the daemon, got \(outcome)")
            return
        }
        let page = try Self.curl(through + ["-L", location], as: nil)
        own.stop()
        #expect(page.status == 200 && page.body.contains("Signed in to work"), "\(page)")
        #expect(tls.provider.isValid(accessToken: try TokenSocket.readLine(daemon.socketPath("work"))))

        // The same forwarder run by another user is that user's connection.
        let others = try forwarder(as: 65534)
        defer { others.stop() }
        let refused = try Self.curl(through + [daemon.signInURL("work")], as: nil)
        #expect(refused.status == 403, "\(refused)")
    }
}

/// A plain blocking TCP connect, to see whether a forwarder listens yet.
enum PlainConnect {
    static func tcp(_ host: String, _ port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HarnessFailure("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        inet_pton(AF_INET, host, &address.sin_addr)
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            close(fd)
            throw HarnessFailure("connect: \(String(cString: strerror(errno)))")
        }
        return fd
    }
}
