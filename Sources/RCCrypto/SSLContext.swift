import COpenSSL

/// The one owner of an SSL_CTX, with the settings both ends share.
///
/// Both ends: TLS 1.2 minimum; no renegotiation (TLS 1.2 renegotiation is an attack surface
/// we do not need); an EOF without close_notify reads as EOF (see `TLSStream.read`);
/// partial writes and a moving write buffer so that `TLSStream.write` can loop over a Swift
/// array whose address OpenSSL must not assume stable between retries. SSL_MODE_AUTO_RETRY
/// stays on: on a non-blocking socket it only makes OpenSSL read past handshake records
/// (TLS 1.3 session tickets) while bytes are already there, instead of returning WANT_READ
/// with data waiting in the socket, which is never wrong for a poll loop.
final class SSLContext {
    let pointer: OpaquePointer

    init(server: Bool) throws(TLSError) {
        OpenSSLErrorQueue.clear()
        guard let ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method()) else {
            throw TLSError(.configuration, OpenSSLErrorQueue.message("SSL_CTX_new failed"))
        }
        pointer = ctx
        guard rc_SSL_CTX_set_min_proto_version(ctx, rc_TLS1_2_VERSION()) == 1 else {
            throw TLSError(.configuration, OpenSSLErrorQueue.message("cannot require TLS 1.2 or newer"))
        }
        _ = SSL_CTX_set_options(ctx, rc_SSL_OP_IGNORE_UNEXPECTED_EOF() | rc_SSL_OP_NO_RENEGOTIATION())
        _ = rc_SSL_CTX_set_mode(
            ctx, Int(SSL_MODE_AUTO_RETRY | SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER))
    }

    deinit { SSL_CTX_free(pointer) }
}
