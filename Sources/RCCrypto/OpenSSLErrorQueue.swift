import COpenSSL

/// OpenSSL's per-thread error queue, read into text for `TLSError` messages.
///
/// Every failing OpenSSL call leaves entries here; a call that starts with stale entries makes
/// SSL_get_error misreport, so callers clear it before each TLS operation.
enum OpenSSLErrorQueue {
    /// Empties the queue (ERR_clear_error).
    static func clear() { ERR_clear_error() }

    /// Drains the queue into "error:0A000086:SSL routines::certificate verify failed; ...",
    /// oldest first, or nil when it is empty.
    static func drain() -> String? {
        var lines: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            lines.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return lines.isEmpty ? nil : lines.joined(separator: "; ")
    }

    /// `what`, followed by OpenSSL's explanation when it left one.
    static func message(_ what: String) -> String {
        if let detail = drain() { return "\(what) (\(detail))" }
        return what
    }
}
