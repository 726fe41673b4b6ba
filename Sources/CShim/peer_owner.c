#define _GNU_SOURCE
#include "CShim.h"
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/inet_diag.h>

/* The socket at the other end of an accepted loopback TCP connection is looked up by its
   exact four-tuple with one SOCK_DIAG_BY_FAMILY request (no dump), as `ss` does for a single
   socket: its local address and port are our peer's, its remote ones are ours.

   What the kernel answers is trusted only when it is the live socket itself: the same
   four-tuple, not a listener (an exact lookup falls back to one when no connection
   matches), and still held by a process (a socket inode). A connection whose client already
   closed it can come back as a TIME_WAIT entry, which reports uid 0; such a connection is
   refused as having no owner, which costs nothing, since nobody is left to read the answer. */
int rc_tcp_peer_uid(int fd, uid_t *uid) {
    struct sockaddr_storage local, peer;
    socklen_t local_length = sizeof local, peer_length = sizeof peer;
    if (getsockname(fd, (struct sockaddr *)&local, &local_length) != 0) return -1;
    if (getpeername(fd, (struct sockaddr *)&peer, &peer_length) != 0) return -1;
    if (local.ss_family != peer.ss_family || (local.ss_family != AF_INET && local.ss_family != AF_INET6)) {
        errno = EAFNOSUPPORT;
        return -1;
    }

    struct {
        struct nlmsghdr header;
        struct inet_diag_req_v2 request;
    } message;
    memset(&message, 0, sizeof message);
    message.header.nlmsg_len = sizeof message;
    message.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    message.header.nlmsg_flags = NLM_F_REQUEST;
    message.header.nlmsg_seq = 1;
    message.request.sdiag_family = (uint8_t)local.ss_family;
    message.request.sdiag_protocol = IPPROTO_TCP;
    message.request.idiag_states = ~0U;
    struct inet_diag_sockid *id = &message.request.id;
    if (local.ss_family == AF_INET) {
        const struct sockaddr_in *ours = (const struct sockaddr_in *)&local;
        const struct sockaddr_in *theirs = (const struct sockaddr_in *)&peer;
        id->idiag_sport = theirs->sin_port;
        id->idiag_dport = ours->sin_port;
        memcpy(id->idiag_src, &theirs->sin_addr, sizeof theirs->sin_addr);
        memcpy(id->idiag_dst, &ours->sin_addr, sizeof ours->sin_addr);
    } else {
        const struct sockaddr_in6 *ours = (const struct sockaddr_in6 *)&local;
        const struct sockaddr_in6 *theirs = (const struct sockaddr_in6 *)&peer;
        id->idiag_sport = theirs->sin6_port;
        id->idiag_dport = ours->sin6_port;
        memcpy(id->idiag_src, &theirs->sin6_addr, sizeof theirs->sin6_addr);
        memcpy(id->idiag_dst, &ours->sin6_addr, sizeof ours->sin6_addr);
    }
    id->idiag_cookie[0] = INET_DIAG_NOCOOKIE;
    id->idiag_cookie[1] = INET_DIAG_NOCOOKIE;

    int diag = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (diag < 0) return -1;
    struct sockaddr_nl kernel;
    memset(&kernel, 0, sizeof kernel);
    kernel.nl_family = AF_NETLINK;
    /* C cannot call the Swift EINTR helper (retryingEINTR in RCSystem): these two loops are
       the only EINTR retries outside it. */
    ssize_t sent;
    do {
        sent = sendto(diag, &message, sizeof message, 0, (struct sockaddr *)&kernel, sizeof kernel);
    } while (sent < 0 && errno == EINTR);
    if (sent < 0) {
        int saved = errno;
        close(diag);
        errno = saved;
        return -1;
    }
    /* The kernel answers an exact lookup within sendto, so the reply is already queued: a
       reply that is not there is an error, never a wait. */
    union {
        struct nlmsghdr header;
        char bytes[4096];
    } reply;
    ssize_t received;
    do {
        received = recv(diag, &reply, sizeof reply, MSG_DONTWAIT);
    } while (received < 0 && errno == EINTR);
    int saved = errno;
    close(diag);
    if (received < 0) {
        errno = saved;
        return -1;
    }
    const struct nlmsghdr *header = &reply.header;
    if (!NLMSG_OK(header, (unsigned)received)) {
        errno = EPROTO;
        return -1;
    }
    if (header->nlmsg_type == NLMSG_ERROR) {
        const struct nlmsgerr *failure = NLMSG_DATA(header);
        if (header->nlmsg_len < NLMSG_LENGTH(sizeof *failure)) {
            errno = EPROTO;
            return -1;
        }
        errno = failure->error < 0 ? -failure->error : ENOENT;
        return -1;
    }
    if (header->nlmsg_type != SOCK_DIAG_BY_FAMILY || header->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg))) {
        errno = EPROTO;
        return -1;
    }
    const struct inet_diag_msg *found = NLMSG_DATA(header);
    if (found->id.idiag_sport != id->idiag_sport || found->id.idiag_dport != id->idiag_dport ||
        memcmp(found->id.idiag_src, id->idiag_src, sizeof id->idiag_src) != 0 ||
        memcmp(found->id.idiag_dst, id->idiag_dst, sizeof id->idiag_dst) != 0 ||
        found->idiag_state == TCP_LISTEN || found->idiag_inode == 0) {
        errno = ENOENT;
        return -1;
    }
    *uid = found->idiag_uid;
    return 0;
}
