import Glibc
import RCSystem
import RCTestSupport
import Testing

@Suite struct SocketAddressTests {
    @Test(arguments: Socket.Loopback.allCases)
    func aBoundLoopbackAddressReadsBackAsTheOneBound(_ loopback: Socket.Loopback) throws {
        if loopback == .ipv6 && !hasIPv6Loopback { return }
        let listener = try Socket.listenTCP(loopback, port: 0)
        let local = try SocketAddress.local(of: listener)
        let port = try #require(local.port)
        #expect(port != 0)
        #expect(local == loopback.address(port: port))
        #expect(local.family == (loopback == .ipv4 ? AF_INET : AF_INET6))
        #expect(local.hostText == loopback.text)
        #expect(local.description == (loopback == .ipv4 ? "127.0.0.1:\(port)" : "[::1]:\(port)"))
        #expect(local.unixPath == nil)

        let client = try Socket.connectTCP(host: loopback.text, port: port, deadline: .deadline(afterSeconds: 5))
        #expect(try SocketAddress.peer(of: client) == local)
        #expect(try SocketAddress.local(of: client) != local)
    }

    @Test func aUnixPathRoundTripsThroughBindAndGetsockname() throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        let path = directory + "/s.sock"
        let listener = try UmaskLock.run { try Socket.listenUnix(path: path) }
        let local = try SocketAddress.local(of: listener)
        #expect(local == (try SocketAddress.unix(path)))
        #expect(local.family == AF_UNIX)
        #expect(local.unixPath == path)
        #expect(local.description == path)
        #expect(local.port == nil && local.hostText == nil)
        let client = try Socket.connectUnix(path: path)
        #expect(try SocketAddress.peer(of: client) == local)
        #expect(try SocketAddress.local(of: client).unixPath == "")
        #expect(try SocketAddress.local(of: client).description == "an unnamed Unix socket")
    }

    @Test func abstractNamesCountExactlyTheirBytes() throws {
        let address = try SocketAddress.unix("@rc-test")
        #expect(address.unixPath == "@rc-test")
        #expect(Int(address.length) == MemoryLayout<sa_family_t>.size + 7 + 1)
        let longest = "@" + String(repeating: "n", count: Socket.unixPathCapacity - 1)
        #expect(try SocketAddress.unix(longest).unixPath == longest)
        #expect(throws: SystemError("sockaddr_un(\(longest)n)", errno: ENAMETOOLONG)) { try SocketAddress.unix(longest + "n") }
    }

    @Test func pathsThatDoNotFitOrCannotBeNamesAreRefused() throws {
        let fits = "/" + String(repeating: "p", count: Socket.unixPathCapacity - 2)
        #expect(try SocketAddress.unix(fits).unixPath == fits)
        #expect(throws: SystemError("sockaddr_un(\(fits)p)", errno: ENAMETOOLONG)) { try SocketAddress.unix(fits + "p") }
        #expect(throws: SystemError("sockaddr_un()", errno: EINVAL)) { try SocketAddress.unix("") }
        #expect(throws: SystemError("sockaddr_un(/a\0b)", errno: EINVAL)) { try SocketAddress.unix("/a\0b") }
    }

    @Test func addressesAreEqualByTheirBytesAndReadAsText() throws {
        let address = SocketAddress.ipv4(0x0A00_0001, port: 443)
        #expect(address.description == "10.0.0.1:443")
        #expect(address.withSockaddr { ($0.pointee.sa_family, $1) } == (sa_family_t(AF_INET), socklen_t(MemoryLayout<sockaddr_in>.size)))
        #expect(address == SocketAddress.ipv4(0x0A00_0001, port: 443))
        #expect(address != SocketAddress.ipv4(0x0A00_0001, port: 444))
        #expect(SocketAddress.ipv6(in6addr_any, port: 80).description == "[::]:80")
        #expect(try SocketAddress.unix("/run/x.sock") != (try SocketAddress.unix("/run/y.sock")))
    }
}
