import COpenSSL
import Glibc
import RCSystem

extension TLSStream {
    /// Runs a client handshake on a connected socket and returns the stream, which now owns it.
    ///
    /// The server must present a chain to a CA `context` trusts, valid now, naming `host`:
    /// for a DNS name the name is sent as SNI and checked with SSL_set1_host (no partial
    /// wildcards); for an IP literal (`127.0.0.1`, `::1`, `[::1]`) no SNI is sent (RFC 6066
    /// forbids literal addresses there) and the address is checked against the certificate's
    /// IP subjectAltNames (X509_VERIFY_PARAM_set1_ip_asc).
    public static func connect(
        socket: FileDescriptor, host: String, context: TLSClientContext, deadline: Instant
    ) throws(TLSError) -> TLSStream {
        let stream = try TLSStream(context: context.context, socket: socket, peer: host)
        try stream.expectServer(named: host)
        SSL_set_connect_state(stream.ssl)
        try stream.handshake(deadline: deadline, trustSource: context.trustSource)
        return stream
    }

    /// Runs a server handshake on an accepted socket and returns the stream, which now owns it.
    public static func accept(
        socket: FileDescriptor, context: TLSServerContext, deadline: Instant
    ) throws(TLSError) -> TLSStream {
        let stream = try TLSStream(context: context.context, socket: socket, peer: "a TLS client")
        SSL_set_accept_state(stream.ssl)
        try stream.handshake(deadline: deadline, trustSource: nil)
        if let name = SSL_get_servername(stream.ssl, TLSEXT_NAMETYPE_host_name) {
            stream.requestedServerName = String(cString: name)
        }
        return stream
    }

    /// Sets the name or address the server's certificate must carry, and SNI for names.
    private func expectServer(named host: String) throws(TLSError) {
        var name = host
        if name.hasPrefix("["), name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        guard !name.isEmpty, !name.utf8.contains(0) else {
            throw TLSError(.configuration, "TLS: \"\(host)\" is not a host name or IP address")
        }
        OpenSSLErrorQueue.clear()
        if Self.isIPLiteral(name) {
            guard let param = SSL_get0_param(ssl), X509_VERIFY_PARAM_set1_ip_asc(param, name) == 1 else {
                throw TLSError(.configuration, OpenSSLErrorQueue.message("TLS: cannot check IP address \(name)"))
            }
        } else {
            SSL_set_hostflags(ssl, UInt32(X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS))
            guard rc_SSL_set_tlsext_host_name(ssl, name) == 1, SSL_set1_host(ssl, name) == 1 else {
                throw TLSError(.configuration, OpenSSLErrorQueue.message("TLS: cannot use \"\(name)\" as a server name"))
            }
        }
    }

    static func isIPLiteral(_ text: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }

    /// Drives SSL_do_handshake to completion, polling for each WANT_READ/WANT_WRITE.
    /// `trustSource` is set on the client side, where certificate checks happen.
    private func handshake(deadline: Instant, trustSource: String?) throws(TLSError) {
        while true {
            OpenSSLErrorQueue.clear()
            let rc = SSL_do_handshake(ssl)
            if rc == 1 { return }
            let code = SSL_get_error(ssl, rc)
            let savedErrno = errno
            switch code {
            case SSL_ERROR_WANT_READ:
                try wait(writing: false, until: deadline, doing: "handshake", recoverable: false)
            case SSL_ERROR_WANT_WRITE:
                try wait(writing: true, until: deadline, doing: "handshake", recoverable: false)
            default:
                usable = false
                throw handshakeFailure(code: code, errno: savedErrno, trustSource: trustSource)
            }
        }
    }

    private func handshakeFailure(code: Int32, errno savedErrno: Int32, trustSource: String?) -> TLSError {
        let prefix = "TLS handshake with \(peer)"
        if let trustSource {
            let result = SSL_get_verify_result(ssl)
            if result != X509_V_OK {
                let reason = String(cString: X509_verify_cert_error_string(result))
                return TLSError(
                    .certificateVerification,
                    OpenSSLErrorQueue.message(
                        "\(prefix): certificate verify failed: \(reason): \(verificationHint(result, trustSource))"))
            }
        }
        switch code {
        case SSL_ERROR_ZERO_RETURN:
            return TLSError(.handshake, OpenSSLErrorQueue.message("\(prefix): the peer closed the connection"))
        case SSL_ERROR_SYSCALL where savedErrno != 0:
            return TLSError(.io, OpenSSLErrorQueue.message("\(prefix): \(SystemError("handshake", errno: savedErrno))"))
        case SSL_ERROR_SYSCALL:
            return TLSError(.handshake, OpenSSLErrorQueue.message("\(prefix): the peer closed the connection"))
        default:
            guard let detail = OpenSSLErrorQueue.drain() else {
                return TLSError(.handshake, "\(prefix) failed")
            }
            // A plain-HTTP (or other non-TLS) server answers the ClientHello with bytes that are
            // not a TLS record; OpenSSL's words for that do not say so.
            let notTLS = detail.contains("wrong version number") || detail.contains("packet length too long")
                || detail.contains("record layer failure")
            let oldVersion = detail.contains("protocol version") || detail.contains("unsupported protocol")
            let hint =
                notTLS
                ? ": the server did not answer in TLS (is it plain HTTP, or the wrong port?)"
                : oldVersion ? ": the server offers no TLS version this client accepts (1.2 or newer)" : " failed"
            return TLSError(.handshake, "\(prefix)\(hint) (\(detail))")
        }
    }

    private func verificationHint(_ result: Int, _ trustSource: String) -> String {
        switch Int32(result) {
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT,
            X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT,
            X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
            "the server's certificate is not issued by a CA in \(trustSource); if the server uses a private CA, set ca_file to that CA's certificate"
        case X509_V_ERR_CERT_HAS_EXPIRED, X509_V_ERR_CERT_NOT_YET_VALID:
            "check the server's certificate dates and this machine's clock"
        case X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH:
            "the server's certificate is not for \(peer); use a host name the certificate names"
        default:
            "the server's certificate was rejected (trusting \(trustSource))"
        }
    }
}
