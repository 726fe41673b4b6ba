import Glibc
import RCSystem
import RCTestSupport
import Testing

@testable import RCDaemon

@Suite struct RuntimeDirectoryTests {
    @Test func pathPrefersRuntimeDirectory() throws {
        #expect(try RuntimeDirectory.path(environment: ["RUNTIME_DIRECTORY": "/run/user/1000/rc", "XDG_RUNTIME_DIR": "/x"]) == "/run/user/1000/rc")
        #expect(try RuntimeDirectory.path(environment: ["RUNTIME_DIRECTORY": "/a:/b"]) == "/a")
        #expect(try RuntimeDirectory.path(environment: ["XDG_RUNTIME_DIR": "/run/user/1000"]) == "/run/user/1000/redirect-catcher")
        #expect(try RuntimeDirectory.path(environment: ["XDG_RUNTIME_DIR": "/run/user/1000/"]) == "/run/user/1000/redirect-catcher")
        #expect(try RuntimeDirectory.path(environment: ["RUNTIME_DIRECTORY": "", "XDG_RUNTIME_DIR": "/x"]) == "/x/redirect-catcher")
    }

    @Test(arguments: [[:], ["XDG_RUNTIME_DIR": ""], ["XDG_RUNTIME_DIR": "relative/dir"]])
    func pathWithoutAUsableVariableSaysWhatToDo(_ environment: [String: String]) {
        do {
            _ = try RuntimeDirectory.path(environment: environment)
            Issue.record("accepted \(environment)")
        } catch {
            #expect(error.description.hasPrefix("XDG_RUNTIME_DIR is not set: run under a login session or systemd --user"))
            #expect(error.description.contains("/run/user/\(getuid())"))
        }
    }

    @Test func prepareCreatesAPrivateDirectory() throws {
        let base = makeTemporaryDirectory()
        defer { removeTree(base) }
        let path = base + "/rc"
        try RuntimeDirectory.prepare(path)
        #expect(mode(of: path).map { $0 & S_IFMT } == S_IFDIR)
        #expect(mode(of: path).map { $0 & 0o777 } == 0o700)
        try RuntimeDirectory.prepare(path)  // again: fine
        #expect(mode(of: path).map { $0 & 0o777 } == 0o700)
    }

    @Test func prepareTightensAnOpenDirectory() throws {
        let base = makeTemporaryDirectory()
        defer { removeTree(base) }
        let path = base + "/rc"
        #expect(mkdir(path, 0o700) == 0)
        #expect(chmod(path, 0o755) == 0)
        try RuntimeDirectory.prepare(path)
        #expect(mode(of: path).map { $0 & 0o777 } == 0o700)
    }

    @Test func prepareRefusesASymlinkAndARegularFile() throws {
        let base = makeTemporaryDirectory()
        defer { removeTree(base) }
        let real = base + "/real"
        #expect(mkdir(real, 0o755) == 0)
        let link = base + "/link"
        #expect(symlink(real, link) == 0)
        #expect(throws: RuntimeDirectory.Problem(description: "\(link) is not a directory (a symlink or file is in the way): remove it")) {
            try RuntimeDirectory.prepare(link)
        }
        #expect(mode(of: real).map { $0 & 0o777 } == 0o755)  // not followed
        let file = base + "/file"
        writeFile(file, "x")
        #expect(throws: RuntimeDirectory.Problem(description: "\(file) is not a directory (a symlink or file is in the way): remove it")) {
            try RuntimeDirectory.prepare(file)
        }
        #expect(throws: RuntimeDirectory.Problem.self) { try RuntimeDirectory.prepare(base + "/missing/parent") }
    }

    /// 107 bytes fit in sockaddr_un with its NUL; 108 do not, and claiming such a path (at
    /// start or at a reload) says what to shorten instead of failing with ENAMETOOLONG.
    @Test func aSocketPathTooLongForSockaddrIsRefusedWithWhatToDo() throws {
        let fits = "/run/user/1000/redirect-catcher/" + String(repeating: "a", count: 107 - 32 - 5) + ".sock"
        #expect(fits.utf8.count == 107)
        #expect(RuntimeDirectory.socketPathProblem(fits) == nil)
        let over = "/run/user/1000/redirect-catcher/" + String(repeating: "a", count: 108 - 32 - 5) + ".sock"
        let problem = try #require(RuntimeDirectory.socketPathProblem(over))
        #expect(problem.contains("is 108 bytes long, but a Unix socket's address holds at most 107"))
        #expect(problem.contains("use shorter account or token names"))
        #expect(throws: RuntimeDirectory.Problem(description: problem)) { try RuntimeDirectory.claimSocketPath(over) }
    }

    /// check-config finds the same: an account and token name of 60 characters each exceed
    /// the limit together under a usual runtime directory; the control socket never does.
    @Test func checkConfigListsTheSocketsThatWouldNotFit() throws {
        let long = String(repeating: "b", count: 60)
        let config = try ConfigLoader.parse(Array("""
            {"accounts": {"\(long)": {"authorize_url": "https://login.example/a", "token_url": "https://login.example/t",
              "client_id": "c", "scopes": ["s"], "tokens": {"\(long)": {"scopes": ["x"]}}},
              "short": {"authorize_url": "https://login.example/a", "token_url": "https://login.example/t",
              "client_id": "c", "scopes": ["s"]}}}
            """.utf8))
        let problems = ConfigSummary.socketPathProblems(config, socketDirectory: "/run/user/1000/redirect-catcher")
        #expect(problems.count == 1, "\(problems)")
        #expect(problems.first?.contains("/run/user/1000/redirect-catcher/\(long).\(long).sock") == true)
    }

    @Test func claimLeavesAFreePathAlone() throws {
        let base = makeTemporaryDirectory()
        defer { removeTree(base) }
        try RuntimeDirectory.claimSocketPath(base + "/a.sock")
        #expect(mode(of: base + "/a.sock") == nil)
    }

    @Test func claimRemovesAStaleSocket() throws {
        let base = makeTemporaryDirectory()
        defer { removeTree(base) }
        let path = base + "/a.sock"
        let listener = try UmaskLock.run { try Socket.listenUnix(path: path) }
        listener.close()  // a daemon that died: the file stays, nobody answers
        #expect(mode(of: path).map { $0 & S_IFMT } == S_IFSOCK)
        try RuntimeDirectory.claimSocketPath(path)
        #expect(mode(of: path) == nil)
    }

    @Test func claimRefusesASocketThatAnswers() throws {
        let base = makeTemporaryDirectory()
        defer { removeTree(base) }
        let path = base + "/a.sock"
        let listener = try UmaskLock.run { try Socket.listenUnix(path: path) }
        #expect(throws: RuntimeDirectory.Problem(description: "another redirect-catcher is already serving \(path): stop it first (systemctl --user stop redirect-catcher)")) {
            try RuntimeDirectory.claimSocketPath(path)
        }
        #expect(mode(of: path).map { $0 & S_IFMT } == S_IFSOCK)
        withExtendedLifetime(listener) {}
    }

    @Test func claimRefusesAndKeepsAFileASymlinkAndADirectory() throws {
        let base = makeTemporaryDirectory()
        defer { removeTree(base) }
        let file = base + "/file.sock"
        writeFile(file, "mine")
        let target = base + "/target"
        writeFile(target, "precious")
        let link = base + "/link.sock"
        #expect(symlink(target, link) == 0)
        let dir = base + "/dir.sock"
        #expect(mkdir(dir, 0o700) == 0)
        for path in [file, link, dir] {
            #expect(throws: RuntimeDirectory.Problem(description: "refusing to replace \(path): it is not a socket; remove it if it is not yours")) {
                try RuntimeDirectory.claimSocketPath(path)
            }
        }
        #expect(mode(of: file).map { $0 & S_IFMT } == S_IFREG)
        #expect(mode(of: link).map { $0 & S_IFMT } == S_IFLNK)
        #expect(mode(of: target).map { $0 & S_IFMT } == S_IFREG)
        #expect(mode(of: dir).map { $0 & S_IFMT } == S_IFDIR)
    }

    @Test func claimRefusesASymlinkToALiveSocket() throws {
        let base = makeTemporaryDirectory()
        defer { removeTree(base) }
        let real = base + "/real.sock"
        let listener = try UmaskLock.run { try Socket.listenUnix(path: real) }
        let link = base + "/a.sock"
        #expect(symlink(real, link) == 0)
        #expect(throws: RuntimeDirectory.Problem.self) { try RuntimeDirectory.claimSocketPath(link) }
        #expect(mode(of: link).map { $0 & S_IFMT } == S_IFLNK)
        withExtendedLifetime(listener) {}
    }
}
