import Foundation
import RCCrypto
import RCSystem
import Testing

/// Each way a token endpoint's TLS can be wrong, and what the daemon's log line will say.
@Suite(.serialized) struct TLSFailureTests {
    let authority: TestCertificateAuthority
    let directory: TemporaryDirectory
    let caFile: String

    init() throws {
        authority = try TestCertificateAuthority.generate()
        directory = try TemporaryDirectory()
        caFile = try directory.write("ca.pem", authority.certificatePEM)
    }

    /// The error `body` throws, recording an issue when it does not throw.
    func failure(_ body: () throws(TLSError) -> Void) -> TLSError? {
        do {
            try body()
            Issue.record("expected a TLSError")
            return nil
        } catch {
            return error
        }
    }

    /// A TLSStream server presenting `leaf`, whose own handshake outcome is not the point.
    func server(presenting leaf: (certificatePEM: String, privateKeyPEM: String)) throws -> UInt16 {
        let context = try TLSServerContext(certificatePEM: leaf.certificatePEM, privateKeyPEM: leaf.privateKeyPEM)
        return try serveTLSOnce(context: context) { (_: TLSStream) throws(TLSError) -> Void in }.port
    }

    @Test func aCertificateFromAnotherCAIsRejected() throws {
        let other = try TestCertificateAuthority.generate(commonName: "someone else's CA")
        let port = try server(presenting: try other.issueServerCertificate(dnsNames: ["localhost"], ipAddresses: []))
        let error = failure { () throws(TLSError) in _ = try connectTLS(port: port, host: "localhost", caFile: caFile) }
        #expect(error?.kind == .certificateVerification)
        #expect(error?.message.contains("certificate verify failed: unable to get local issuer certificate") == true)
        #expect(error?.message.contains("set ca_file") == true)
    }

    @Test func theSystemTrustStoreDoesNotTrustATestCA() throws {
        let port = try server(presenting: try authority.issueServerCertificate(dnsNames: ["localhost"], ipAddresses: []))
        let error = failure { () throws(TLSError) in _ = try connectTLS(port: port, host: "localhost", caFile: nil) }
        #expect(error?.kind == .certificateVerification)
        #expect(error?.message.contains("the system trust store") == true)
    }

    @Test func aCertificateForAnotherHostIsRejected() throws {
        let port = try server(presenting: try authority.issueServerCertificate(dnsNames: ["example.invalid"], ipAddresses: []))
        let error = failure { () throws(TLSError) in _ = try connectTLS(port: port, host: "localhost", caFile: caFile) }
        #expect(error?.kind == .certificateVerification)
        #expect(error?.message.contains("hostname mismatch") == true)
        #expect(error?.message.contains("not for localhost") == true)
    }

    @Test func anIPLiteralNeedsAnIPSubjectAltName() throws {
        let port = try server(presenting: try authority.issueServerCertificate(dnsNames: ["localhost"], ipAddresses: []))
        let error = failure { () throws(TLSError) in _ = try connectTLS(port: port, host: "127.0.0.1", caFile: caFile) }
        #expect(error?.kind == .certificateVerification)
        #expect(error?.message.contains("IP address mismatch") == true)
    }

    @Test func anExpiredCertificateIsRejected() throws {
        let port = try server(
            presenting: try authority.issueServerCertificate(dnsNames: ["localhost"], ipAddresses: [], validDays: -1))
        let error = failure { () throws(TLSError) in _ = try connectTLS(port: port, host: "localhost", caFile: caFile) }
        #expect(error?.kind == .certificateVerification)
        #expect(error?.message.contains("certificate has expired") == true)
    }

    @Test func aTLS11OnlyServerIsRefused() throws {
        // TLS 1.1 needs security level 0 in OpenSSL 3; s_server accepts it with the cipher string.
        let leaf = try authority.issueServerCertificate(dnsNames: ["localhost"], ipAddresses: [])
        let server = try OpenSSLServer(
            certificateFile: try directory.write("leaf.pem", leaf.certificatePEM),
            keyFile: try directory.write("leaf.key", leaf.privateKeyPEM),
            arguments: ["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0", "-www"])
        let error = failure { () throws(TLSError) in _ = try connectTLS(port: server.port, host: "localhost", caFile: caFile) }
        #expect(error?.kind == .handshake)
        #expect(error?.message.contains("no TLS version this client accepts") == true)
    }

    @Test func aServerThatNeverSpeaksTimesOutOnTime() throws {
        // The kernel completes the TCP handshake from the backlog; nobody ever accepts.
        let listener = try Socket.listenTCP(.ipv4, port: 0)
        let port = try Socket.localPort(listener)
        let start = Instant.now(.monotonic)
        let error = failure { () throws(TLSError) in
            _ = try connectTLS(port: port, host: "localhost", caFile: caFile, seconds: 0.5)
        }
        let elapsed = Instant.now(.monotonic).seconds(since: start)
        #expect(error?.kind == .timeout)
        #expect(elapsed >= 0.45 && elapsed < 1.5)
        withExtendedLifetime(listener) {}
    }

    @Test func aPlainHTTPServerIsAHandshakeFailureThatSaysSo() throws {
        let server = try serveOnce { (socket: FileDescriptor) throws(TLSError) -> Void in
            var request: [UInt8] = []
            _ = try? socket.waitFor(writing: false, until: .deadline(afterSeconds: 5))
            _ = try? socket.read(appendingTo: &request)
            let reply = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            try? socket.writeAll(Array(reply.utf8), deadline: .deadline(afterSeconds: 5))
            socket.close()
        }
        let error = failure { () throws(TLSError) in _ = try connectTLS(port: server.port, host: "localhost", caFile: caFile) }
        #expect(error?.kind == .handshake)
        #expect(error?.message.contains("did not answer in TLS") == true)
    }

    @Test func aMissingCAFileIsAConfigurationErrorNamingIt() throws {
        let path = directory.url.appendingPathComponent("no-such-ca.pem").path
        let error = failure { () throws(TLSError) in _ = try TLSClientContext(caFile: path) }
        #expect(error?.kind == .configuration)
        #expect(error?.message.contains(path) == true)
        #expect(error?.message.contains("No such file or directory") == true)
    }

    @Test func aCAFileWithoutCertificatesIsAConfigurationErrorNamingIt() throws {
        let path = try directory.write("junk.pem", "this is not a certificate\n")
        let error = failure { () throws(TLSError) in _ = try TLSClientContext(caFile: path) }
        #expect(error?.kind == .configuration)
        #expect(error?.message.contains(path) == true)
    }

    @Test func aServerKeyThatDoesNotMatchItsCertificateIsRefused() throws {
        let leaf = try authority.issueServerCertificate(dnsNames: ["localhost"], ipAddresses: [])
        let other = try authority.issueServerCertificate(dnsNames: ["localhost"], ipAddresses: [])
        let error = failure { () throws(TLSError) in
            _ = try TLSServerContext(certificatePEM: leaf.certificatePEM, privateKeyPEM: other.privateKeyPEM)
        }
        #expect(error?.kind == .configuration)
    }

    @Test func anEmptyHostIsAConfigurationError() throws {
        let port = try server(presenting: try authority.issueServerCertificate(dnsNames: ["localhost"], ipAddresses: []))
        let error = failure { () throws(TLSError) in _ = try connectTLS(port: port, host: "", caFile: caFile) }
        #expect(error?.kind == .configuration)
    }
}
