import Glibc
import RCSystem

/// Sends each event to systemd-journald over its native protocol: one datagram per entry to
/// `/run/systemd/journal/socket`, so that `ACCOUNT`, `EVENT`, `ERROR_CODE` and the rest become
/// journal fields (`journalctl --user -u redirect-catcher ACCOUNT=dynamics`) instead of text
/// inside a line. An entry the journal does not take (socket gone, entry too large) is written
/// to the fallback (stderr) instead, so no event is lost without a trace.
///
/// The protocol (systemd.io/JOURNAL_NATIVE_PROTOCOL): a datagram of `NAME=value\n` items, or,
/// for a value that holds a newline, `NAME\n`, the value's length as a little-endian UInt64,
/// the value, and `\n`.
public struct JournalLogSink: LogSink {
    /// Where journald listens for native entries.
    public static let defaultSocketPath = "/run/systemd/journal/socket"
    /// `SYSLOG_IDENTIFIER`: what `journalctl -t` matches and what each line is prefixed with.
    public static let identifier = "redirect-catcher"

    public let socketPath: String
    public let fallback: any LogSink

    /// `socketPath` is injectable so that tests can listen on a stand-in journal socket.
    public init(socketPath: String = JournalLogSink.defaultSocketPath, fallback: any LogSink = StderrLogSink()) {
        self.socketPath = socketPath
        self.fallback = fallback
    }

    public func write(_ event: LogEvent) {
        do {
            try Socket.sendDatagram(Self.entry(for: event), toUnixPath: socketPath)
        } catch {
            // ENOENT/ECONNREFUSED (no journald), EMSGSIZE (bigger than a datagram may be; libsystemd
            // would pass a memfd instead, which an event of this daemon never needs): one stderr
            // line still reaches the journal through the service's stdout/stderr stream.
            fallback.write(event)
        }
    }

    /// The datagram for `event`: `PRIORITY`, `SYSLOG_IDENTIFIER`, `MESSAGE`, `EVENT`, `ACCOUNT`,
    /// then the other fields by name. Fields whose names journald would reject, or that would
    /// replace one of the first four, are left out.
    public static func entry(for event: LogEvent, identifier: String = JournalLogSink.identifier) -> [UInt8] {
        var bytes: [UInt8] = []
        append("PRIORITY", String(event.level.priority), to: &bytes)
        append("SYSLOG_IDENTIFIER", identifier, to: &bytes)
        append("MESSAGE", event.message, to: &bytes)
        append("EVENT", event.event, to: &bytes)
        let rest = event.fields.keys.filter { $0 != "ACCOUNT" }.sorted()
        for name in ["ACCOUNT"] + rest {
            guard let value = event.fields[name], isValidFieldName(name), !ownFields.contains(name) else { continue }
            append(name, value, to: &bytes)
        }
        return bytes
    }

    /// The fields this sink sets itself from the event; its `fields` cannot override them.
    static let ownFields: Set<String> = ["PRIORITY", "SYSLOG_IDENTIFIER", "MESSAGE", "EVENT"]

    /// journald's rule for fields a client may send: 1 to 64 of `A-Z`, `0-9`, `_`, not starting
    /// with a digit, and not with `_` (those are the trusted fields journald adds itself).
    public static func isValidFieldName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, bytes.count <= 64, first != UInt8(ascii: "_"), !(0x30...0x39).contains(first) else {
            return false
        }
        return bytes.allSatisfy { (0x41...0x5A).contains($0) || (0x30...0x39).contains($0) || $0 == UInt8(ascii: "_") }
    }

    private static func append(_ name: String, _ value: String, to bytes: inout [UInt8]) {
        let valueBytes = Array(value.utf8)
        bytes += name.utf8
        if valueBytes.contains(UInt8(ascii: "\n")) {
            bytes.append(UInt8(ascii: "\n"))
            withUnsafeBytes(of: UInt64(valueBytes.count).littleEndian) { bytes += $0 }
        } else {
            bytes.append(UInt8(ascii: "="))
        }
        bytes += valueBytes
        bytes.append(UInt8(ascii: "\n"))
    }

    /// Whether `descriptor` is the stream systemd connected to the journal: `JOURNAL_STREAM`
    /// holds that stream's `device:inode`, and it only counts if fstat(2) of the descriptor
    /// shows the same pair (a child whose stderr was redirected inherits the variable, not the
    /// stream), as sd-daemon(3) and systemd.exec(5) prescribe.
    public static func isJournalStream(_ journalStream: String?, descriptor: Int32 = 2) -> Bool {
        guard let journalStream else { return false }
        let parts = journalStream.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return false }
        return UInt64(info.st_dev) == device && UInt64(info.st_ino) == inode
    }

    /// The daemon's sink: the native journal when stderr is the journal stream, else stderr
    /// lines (with `<N>` prefixes when not a terminal).
    public static func sink(environment: [String: String]) -> any LogSink {
        isJournalStream(environment["JOURNAL_STREAM"]) ? JournalLogSink() : StderrLogSink()
    }
}
