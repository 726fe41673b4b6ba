/// What a connection does once its request has been read: usually reply, but an injected
/// fault may make it stall or vanish instead.
enum ConnectionAction: Sendable {
    case reply(Reply)
    /// Say nothing for this many seconds, then close.
    case hang(Double)
    /// Close with a reset, no reply.
    case reset
}
