import Foundation
import RCJSON
import RCTestProvider
import Testing

/// The token formats with the real clients that consume them, each configured with the
/// README's lines: curl with `--format header`, git with the credential helper, the Python
/// `kubernetes` client with the exec plugin, msmtp with `passwordeval` and XOAUTH2 against a
/// local SMTP server. Every one checks the token at the strict test provider; before sign-in
/// every one fails and shows the daemon's sentence with the sign-in link.
@Suite(.serialized) struct DaemonClientFormatsTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let mailbox = "me@example.com"

    /// The venv's python3 (scripts/setup-test-deps puts aiosmtpd and kubernetes there).
    static func python() throws -> String {
        let path = repository + "/.venv-test/bin/python3"
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw HarnessFailure("\(path) is missing: run scripts/setup-test-deps")
        }
        return path
    }

    static func tool(_ name: String) throws -> String {
        guard let path = CommandRun.which(name) else { throw HarnessFailure("\(name) is not installed: run scripts/setup-test-deps") }
        return path
    }

    /// One daemon with one account `work` (with `user`) at the provider; the files each client
    /// reads, written as the README shows them.
    struct Setup {
        let tls: TLSTestProvider
        let daemon: DaemonProcess
        /// `https://127.0.0.1:PORT`, where `/validate` answers.
        var providerBase: String {
            let url = tls.provider.authorizeURL
            return url.lastIndex(of: "/").map { String(url[..<$0]) } ?? url
        }
        var caFile: String { daemon.directory + "/ca.pem" }
        /// The daemon's environment with the binary's directory first on PATH, as after
        /// installing: the README's lines name `redirect-catcher`, not a path.
        var environment: [String: String] {
            var environment = daemon.environment
            let directory = URL(fileURLWithPath: daemon.binary).deletingLastPathComponent().path
            environment["PATH"] = directory + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
            environment["HOME"] = daemon.directory
            environment["GIT_CONFIG_GLOBAL"] = daemon.directory + "/gitconfig"
            environment["GIT_CONFIG_NOSYSTEM"] = "1"
            environment["GIT_TERMINAL_PROMPT"] = "0"
            return environment
        }

        init() throws {
            tls = try TLSTestProvider()
            daemon = try DaemonProcess(accounts: [("work", tls.account(extra: [("user", .string(mailbox))]))], caPEM: tls.caPEM)
            let directory = daemon.directory
            try writeGitConfig(urls: ["https://dev.example.com"])
            // README: kubectl, an AKS cluster (here the provider, which checks the token).
            try """
            apiVersion: v1
            kind: Config
            clusters:
            - name: aks
              cluster:
                server: \(providerBase)
                certificate-authority: \(caFile)
            contexts:
            - name: aks
              context: {cluster: aks, user: work}
            current-context: aks
            users:
            - name: work
              user:
                exec:
                  apiVersion: client.authentication.k8s.io/v1
                  command: redirect-catcher
                  args: [kubectl-credential, work]
                  interactiveMode: Never
            """.write(toFile: directory + "/kubeconfig", atomically: true, encoding: .utf8)
        }

        /// README: git with Azure DevOps, for each of `urls` (here hosts of their own: the
        /// helper does not look at the host).
        func writeGitConfig(urls: [String]) throws {
            let sections = urls.map { "[credential \"\($0)\"]\n\thelper =\n\thelper = !redirect-catcher git-credential work\n" }
            try sections.joined().write(toFile: daemon.directory + "/gitconfig", atomically: true, encoding: .utf8)
        }

        func stop() {
            daemon.stop()
            tls.stop()
        }

        func run(_ executable: String, _ arguments: [String], input: String? = nil) throws -> CommandRun {
            try CommandRun.run(executable, arguments, environment: environment, input: input, timeout: 30)
        }

        func gitFill() throws -> CommandRun {
            try run(try tool("git"), ["credential", "fill"], input: "protocol=https\nhost=dev.example.com\npath=org/project/_git/repo\n\n")
        }

        func curlWithHeader() throws -> CommandRun {
            try run("/bin/sh", ["-c", "redirect-catcher token work --format header | curl -sS -f --cacert \"$1\" -H @- \"$2/validate\"", "sh", caFile, providerBase])
        }

        func kube() throws -> CommandRun {
            try run(try python(), [repository + "/Tests/Clients/kube_client.py", daemon.directory + "/kubeconfig"])
        }

        /// msmtp with the README's account lines against `port`.
        func mail(port: Int) throws -> CommandRun {
            let config = daemon.directory + "/msmtprc"
            try """
            account work
            host 127.0.0.1
            port \(port)
            tls off
            from \(mailbox)
            user \(mailbox)
            auth xoauth2
            passwordeval redirect-catcher token work
            account default : work
            """.write(toFile: config, atomically: true, encoding: .utf8)
            chmod(config, 0o600)
            return try run(
                try tool("msmtp"), ["-C", config, "someone@example.com"], input: "Subject: hello\n\nSent with a token from redirect-catcher.\n")
        }
    }

    static func fields(_ text: String) -> [String: String] {
        Dictionary(
            text.split(separator: "\n").map { line in
                let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
                return (parts[0], parts.count > 1 ? parts[1] : "")
            }, uniquingKeysWith: { _, last in last })
    }

    @Test func everyClientGetsAValidTokenAndOtherwiseTheSignInSentence() throws {
        let setup = try Setup()
        defer { setup.stop() }
        let tls = setup.tls
        let signInURL = setup.daemon.signInURL("work")
        let smtp = try SpawnedProcess(
            try Self.python(), [Self.repository + "/Tests/Clients/smtp_server.py", Self.mailbox, setup.providerBase, setup.caFile],
            environment: setup.environment)
        defer { smtp.stop() }
        let portLine = try smtp.log.waitForLine(containing: "port=", timeout: 30)
        let smtpPort = try #require(Int(portLine.dropFirst("port=".count)))

        // Before sign-in: nothing on stdout, the daemon's sentence on stderr, a failure.
        let sentence = "error: account work needs sign-in: open \(signInURL)"
        for (client, run) in [
            ("token --format json", try setup.run(setup.daemon.binary, ["token", "work", "--format", "json"])),
            ("git-credential get", try setup.run(setup.daemon.binary, ["git-credential", "work", "get"], input: "protocol=https\n\n")),
            ("kubectl-credential", try setup.run(setup.daemon.binary, ["kubectl-credential", "work"])),
        ] {
            #expect(run.status != 0 && run.stdout.isEmpty && run.stderr.contains(sentence), "\(client): \(run)")
        }
        let git = try setup.gitFill()
        #expect(git.status != 0 && !git.stdout.contains("password=") && git.stderr.contains(sentence), "git: \(git)")
        let kube = try setup.kube()
        #expect(kube.status != 0 && kube.stderr.contains(sentence), "kubernetes: \(kube)")
        let mail = try setup.mail(port: smtpPort)
        #expect(mail.status != 0 && mail.stderr.contains(sentence), "msmtp: \(mail)")
        let curl = try setup.curlWithHeader()
        #expect(curl.status != 0 && curl.stderr.contains(sentence), "curl: \(curl)")

        try DaemonEndToEndTests.signIn(setup.daemon, tls, account: "work")

        // curl sends the header line as it is.
        let validated = try setup.curlWithHeader()
        #expect(validated.status == 0 && validated.stdout.contains(#""active":true"#), "curl: \(validated)")

        // git: the helper's password is a token the provider accepts, with its expiry.
        let filled = try setup.gitFill()
        let answer = Self.fields(filled.stdout)
        let token = try #require(answer["password"], "git: \(filled)")
        #expect(filled.status == 0 && tls.provider.isValid(accessToken: token), "git: \(filled)")
        #expect(answer["username"] == "oauth2" && answer["host"] == "dev.example.com")
        // git passes password_expiry_utc on from 2.41; the helper itself always answers it.
        let helper = try setup.run(setup.daemon.binary, ["git-credential", "work", "get"], input: "protocol=https\nhost=dev.example.com\n\n")
        let expiry = try #require(Self.fields(helper.stdout)["password_expiry_utc"].flatMap { Int64($0) }, "\(helper)")
        #expect(abs(expiry - Int64(Date().timeIntervalSince1970) - 3600) < 120, "git-credential get: \(helper)")
        #expect(answer["password_expiry_utc"].flatMap { Int64($0) }.map { abs($0 - expiry) <= 2 } ?? true)

        // git: the server refused it (`git credential reject` runs erase, which reports the
        // token with `rejected`). A token minted seconds ago that an API refuses would be
        // refused again, so no grant goes out and the daemon says why (the helper's stderr);
        // a report of a token that is no longer current costs no grant either. (A current,
        // older token is refreshed: the `rejected` tests show that.)
        let grantsBefore = tls.provider.stats.refreshGrants
        let rejected = try setup.run(
            try Self.tool("git"), ["credential", "reject"],
            input: "protocol=https\nhost=dev.example.com\npath=org/project/_git/repo\nusername=oauth2\npassword=\(token)\n\n")
        #expect(rejected.status == 0, "git reject: \(rejected)")
        #expect(rejected.stderr.contains("refuses fresh tokens"), "git reject: \(rejected)")
        let erasedStale = try setup.run(
            setup.daemon.binary, ["git-credential", "work", "erase"], input: "protocol=https\nhost=dev.example.com\npassword=not-the-token\n\n")
        #expect(erasedStale.status == 0, "erase of a stale token: \(erasedStale)")
        let refilled = Self.fields(try setup.gitFill().stdout)
        #expect(refilled["password"] == token && tls.provider.stats.refreshGrants == grantsBefore)

        // kubernetes: the exec plugin's token goes to the server the kubeconfig names.
        let kubeAfter = try setup.kube()
        #expect(kubeAfter.status == 0 && kubeAfter.stdout.contains(#""active": true"#), "kubernetes: \(kubeAfter)")
        let exec = try setup.run(setup.daemon.binary, ["kubectl-credential", "work"])
        guard case .object(let credential)? = try? JSONParser.parse(exec.stdout.trimmingCharacters(in: .newlines)),
            case .object(let status)? = credential["status"], case .string(let execToken)? = status["token"]
        else {
            Issue.record("kubectl-credential: \(exec)")
            return
        }
        #expect(credential["apiVersion"] == .string("client.authentication.k8s.io/v1") && tls.provider.isValid(accessToken: execToken))
        let beta = try setup.run(
            "/usr/bin/env", ["KUBERNETES_EXEC_INFO={\"apiVersion\":\"client.authentication.k8s.io/v1beta1\"}", setup.daemon.binary, "kubectl-credential", "work"])
        #expect(beta.stdout.hasPrefix(#"{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential""#), "\(beta)")

        // msmtp: the SMTP server took the mail after checking the XOAUTH2 token at the provider.
        let sent = try setup.mail(port: smtpPort)
        #expect(sent.status == 0, "msmtp: \(sent)")
        try smtp.log.waitForLine(containing: "accepted \(Self.mailbox)")

        // The finished SASL string: the account's user and the token the provider accepts.
        let xoauth2 = try setup.run(setup.daemon.binary, ["token", "work", "--format", "xoauth2"])
        let decoded = try #require(Data(base64Encoded: xoauth2.stdout.trimmingCharacters(in: .newlines)))
        let parts = String(decoding: decoded, as: UTF8.self).components(separatedBy: "\u{1}")
        #expect(parts.count == 4 && parts[0] == "user=\(Self.mailbox)" && parts[1].hasPrefix("auth=Bearer "))
        #expect(tls.provider.isValid(accessToken: String(parts[1].dropFirst("auth=Bearer ".count))))
    }

    /// `git clone` over HTTP from a server that serves only a request whose password the
    /// provider accepts, with nothing but the README's helper lines.
    @Test func gitClonesWithTheHelpersToken() throws {
        let setup = try Setup()
        defer { setup.stop() }
        let git = try Self.tool("git")
        let directory = setup.daemon.directory
        let identity = ["-c", "user.name=Tester", "-c", "user.email=tester@example.com"]
        for arguments in [
            ["init", "-q", "--bare", "-b", "main", directory + "/repos/project.git"],
            ["init", "-q", "-b", "main", directory + "/source"],
        ] {
            let run = try setup.run(git, arguments)
            guard run.status == 0 else { throw HarnessFailure("git \(arguments): \(run)") }
        }
        try "cloned with a token from redirect-catcher\n".write(toFile: directory + "/source/README", atomically: true, encoding: .utf8)
        for arguments in [
            ["-C", directory + "/source", "add", "README"], identity + ["-C", directory + "/source", "commit", "-q", "-m", "first"],
            ["-C", directory + "/source", "push", "-q", directory + "/repos/project.git", "main"],
        ] {
            let run = try setup.run(git, arguments)
            guard run.status == 0 else { throw HarnessFailure("git \(arguments): \(run)") }
        }
        let server = try SpawnedProcess(
            try Self.python(), [Self.repository + "/Tests/Clients/git_server.py", directory + "/repos", setup.providerBase, setup.caFile],
            environment: setup.environment)
        defer { server.stop() }
        let portLine = try server.log.waitForLine(containing: "port=", timeout: 30)
        let origin = "http://127.0.0.1:\(portLine.dropFirst("port=".count))"
        try setup.writeGitConfig(urls: [origin])

        let refused = try setup.run(git, ["clone", "-q", origin + "/project.git", directory + "/before"])
        #expect(refused.status != 0 && refused.stderr.contains("error: account work needs sign-in: open \(setup.daemon.signInURL("work"))"), "\(refused)")

        try DaemonEndToEndTests.signIn(setup.daemon, setup.tls, account: "work")
        let cloned = try setup.run(git, ["clone", "-q", origin + "/project.git", directory + "/after"])
        #expect(cloned.status == 0, "\(cloned)\n\(server.log.text)")
        let text = try? String(contentsOfFile: directory + "/after/README", encoding: .utf8)
        #expect(text == "cloned with a token from redirect-catcher\n")
    }
}
