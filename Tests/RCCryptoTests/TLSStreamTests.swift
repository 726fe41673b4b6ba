import Foundation
import RCCrypto
import RCSystem
import Testing

/// TLSStream client against TLSStream server, and against `openssl s_server`, on loopback.
@Suite(.serialized) struct TLSStreamTests {
    let authority: TestCertificateAuthority
    let directory: TemporaryDirectory
    let caFile: String

    init() throws {
        authority = try TestCertificateAuthority.generate()
        directory = try TemporaryDirectory()
        caFile = try directory.write("ca.pem", authority.certificatePEM)
    }

    func serverContext(dnsNames: [String] = ["localhost"], ipAddresses: [String] = []) throws -> TLSServerContext {
        let leaf = try authority.issueServerCertificate(dnsNames: dnsNames, ipAddresses: ipAddresses)
        return try TLSServerContext(certificatePEM: leaf.certificatePEM, privateKeyPEM: leaf.privateKeyPEM)
    }

    @Test func roundTripsBytesAndSeesTheServersSNI() throws {
        let server = try serveTLSOnce(context: try serverContext()) { (stream: TLSStream) throws(TLSError) -> String? in
            let request = try readExactly(stream, 5)
            try stream.write(request.reversed(), deadline: .deadline(afterSeconds: 5))
            stream.shutdown()
            return stream.requestedServerName
        }
        let client = try connectTLS(port: server.port, host: "localhost", caFile: caFile)
        try client.write(Array("hello".utf8), deadline: .deadline(afterSeconds: 5))
        #expect(try readToEnd(client) == Array("olleh".utf8))
        client.shutdown()
        #expect(try server.result.wait()?.get() == "localhost")
    }

    @Test func carriesAMebibyteEachWayAndEndsCleanly() throws {
        let size = 1 << 20
        let server = try serveTLSOnce(context: try serverContext()) { (stream: TLSStream) throws(TLSError) -> Int in
            let received = try readExactly(stream, size)
            try stream.write(SHA256.hash(received), deadline: .deadline(afterSeconds: 10))
            try stream.write((0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7) }, deadline: .deadline(afterSeconds: 10))
            stream.shutdown()
            return received.count
        }
        let client = try connectTLS(port: server.port, host: "localhost", caFile: caFile)
        let payload = SecureRandom.bytes(size)
        try client.write(payload, deadline: .deadline(afterSeconds: 10))
        #expect(try readExactly(client, 32) == SHA256.hash(payload))
        let reply = try readToEnd(client)
        #expect(reply.count == size)
        #expect(reply == (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        // After close_notify, the end of stream stays the end of stream.
        #expect(try client.read(max: 10, deadline: .deadline(afterSeconds: 1)) == [])
        #expect(try server.result.wait()?.get() == size)
    }

    @Test func anEOFWithoutCloseNotifyReadsAsTheEnd() throws {
        let server = try serveTLSOnce(context: try serverContext()) { (stream: TLSStream) throws(TLSError) -> Void in
            // No shutdown(): the descriptor closes when the stream goes, as many servers do it.
            try stream.write(Array("bye".utf8), deadline: .deadline(afterSeconds: 5))
        }
        let client = try connectTLS(port: server.port, host: "localhost", caFile: caFile)
        #expect(try readToEnd(client) == Array("bye".utf8))
        _ = try server.result.wait()?.get()
    }

    @Test func anIPLiteralIsCheckedAgainstIPSubjectAltNamesAndSendsNoSNI() throws {
        let context = try serverContext(dnsNames: [], ipAddresses: ["127.0.0.1", "::1"])
        let server = try serveTLSOnce(context: context) { (stream: TLSStream) throws(TLSError) -> String? in
            try stream.write(Array("ok".utf8), deadline: .deadline(afterSeconds: 5))
            stream.shutdown()
            return stream.requestedServerName
        }
        let client = try connectTLS(port: server.port, host: "127.0.0.1", caFile: caFile)
        #expect(try readToEnd(client) == Array("ok".utf8))
        let sni = try server.result.wait()?.get()
        #expect(sni == .some(nil), "RFC 6066: no SNI for an IP literal")
    }

    @Test func readAndWriteAfterShutdownReportClosed() throws {
        let server = try serveTLSOnce(context: try serverContext()) { (stream: TLSStream) throws(TLSError) -> Int in
            try readToEnd(stream).count
        }
        let client = try connectTLS(port: server.port, host: "localhost", caFile: caFile)
        client.shutdown()
        #expect(try server.result.wait()?.get() == 0)
        #expect(throws: TLSError.self) { try client.write([1], deadline: .deadline(afterSeconds: 1)) }
        do {
            _ = try client.read(max: 1, deadline: .deadline(afterSeconds: 1))
            Issue.record("read after shutdown succeeded")
        } catch {
            #expect(error.kind == .closed)
        }
    }

    @Test func aReadWithNothingToReadTimesOutAndTheStreamStaysUsable() throws {
        let server = try serveTLSOnce(context: try serverContext()) { (stream: TLSStream) throws(TLSError) -> Void in
            // Answer only after the client's first read has given up.
            Thread.sleep(forTimeInterval: 0.5)
            try stream.write(Array("late".utf8), deadline: .deadline(afterSeconds: 5))
            stream.shutdown()
        }
        let client = try connectTLS(port: server.port, host: "localhost", caFile: caFile)
        let start = Instant.now(.monotonic)
        do {
            _ = try client.read(max: 10, deadline: .deadline(afterSeconds: 0.2))
            Issue.record("read returned before anything was sent")
        } catch {
            #expect(error.kind == .timeout)
        }
        #expect(Instant.now(.monotonic).seconds(since: start) < 0.45)
        #expect(try readToEnd(client) == Array("late".utf8))
        _ = try server.result.wait()?.get()
    }

    @Test func talksToOpenSSLServerWithTheRightCAFile() throws {
        let leaf = try authority.issueServerCertificate(dnsNames: ["localhost"], ipAddresses: [])
        let server = try OpenSSLServer(
            certificateFile: try directory.write("leaf.pem", leaf.certificatePEM),
            keyFile: try directory.write("leaf.key", leaf.privateKeyPEM),
            arguments: ["-www"])
        let client = try connectTLS(port: server.port, host: "localhost", caFile: caFile)
        try client.write(Array("GET / HTTP/1.0\r\n\r\n".utf8), deadline: .deadline(afterSeconds: 5))
        let reply = String(decoding: try readToEnd(client), as: UTF8.self)
        #expect(reply.hasPrefix("HTTP/1.0 200 ok"))
        #expect(reply.contains("TLSv1.3"), "s_server -www reports the negotiated protocol")
    }
}
