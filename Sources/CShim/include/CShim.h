#ifndef REDIRECT_CATCHER_CSHIM_H
#define REDIRECT_CATCHER_CSHIM_H

#include <sys/types.h>
#include <stdint.h>
#include <spawn.h>
#include <sys/random.h>  /* getrandom(2), which Glibc's module does not export */

/// The uid of the process at the other end of a connected Unix socket (SO_PEERCRED).
/// Returns 0 and fills *uid, or -1 with errno set.
int rc_peer_uid(int fd, uid_t *uid);

/// The uid that owns the socket at the other end of an accepted loopback TCP connection:
/// one exact NETLINK_SOCK_DIAG (inet_diag) lookup of the peer's four-tuple. Returns 0 and
/// fills *uid, or -1 with errno set: ENOENT when no live socket of a process matches (the
/// client is gone), EAFNOSUPPORT for a socket that is not TCP over IPv4 or IPv6.
int rc_tcp_peer_uid(int fd, uid_t *uid);

/// prctl(PR_SET_DUMPABLE, 0): no ptrace by other processes of the user, no core dump.
int rc_set_nondumpable(void);

/// accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC): Glibc's module does not export
/// accept4 without _GNU_SOURCE.
int rc_accept_nonblocking(int fd);

/* epoll, timerfd, eventfd and signalfd, with plain integer arguments: epoll_event is a packed
   struct with a union, which Swift imports awkwardly. */
int rc_epoll_create(void);
int rc_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data);
int rc_epoll_wait(int epfd, uint64_t *datas, uint32_t *events, int max, int timeout_ms);
enum { RC_EPOLL_ADD = 1, RC_EPOLL_DEL = 2, RC_EPOLL_MOD = 3 };
enum { RC_EPOLLIN = 0x001, RC_EPOLLOUT = 0x004, RC_EPOLLERR = 0x008, RC_EPOLLHUP = 0x010, RC_EPOLLRDHUP = 0x2000 };

/// A non-blocking, close-on-exec timerfd on CLOCK_BOOTTIME, so that a deadline that passed
/// while the machine was suspended fires as soon as it resumes.
int rc_timerfd_boottime(void);
/// Arms the timer at an absolute CLOCK_BOOTTIME time in nanoseconds; 0 disarms it.
int rc_timerfd_set_absolute(int fd, int64_t nanoseconds);

/// A non-blocking, close-on-exec eventfd.
int rc_eventfd(void);

/// Blocks `signals` in the calling thread (threads created later inherit the mask) and
/// returns a non-blocking, close-on-exec signalfd for them.
int rc_signalfd(const int *signals, int count);
/// Reads one pending signal: its number, 0 when none is pending, -1 on error.
int rc_signalfd_read(int fd);

/// posix_spawn_file_actions_addclosefrom_np(actions, from) (glibc 2.34): the child starts
/// with no descriptor from `from` up, even one a library opened without O_CLOEXEC. Glibc's
/// module does not export it without _GNU_SOURCE.
int rc_spawn_file_actions_closefrom(posix_spawn_file_actions_t *actions, int from);

/// pidfd_open(pid, 0) (Linux 5.3): a descriptor that polls readable once the child exits,
/// so a thread can wait for it with a timeout. -1 with errno set (ENOSYS on older kernels).
int rc_pidfd_open(pid_t pid);

/// memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING): anonymous memory behind a descriptor,
/// which sealing can make read-only for good. -1 with errno set.
int rc_memfd_sealable(const char *name);
/// fcntl(F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL): nobody, the
/// creator included, can change the memfd's contents or size, or lift the seals.
int rc_memfd_seal_all(int fd);
/// fcntl(F_GET_SEALS): the seals set, or -1 with errno (EINVAL for anything but a memfd).
int rc_memfd_seals(int fd);
enum { RC_SEAL_WRITE = 0x0008, RC_SEAL_SHRINK = 0x0002, RC_SEAL_GROW = 0x0004, RC_SEAL_SEAL = 0x0001 };

/// The most descriptors `rc_send_with_fds` passes in one message.
enum { RC_MAX_PASSED_FDS = 16 };
struct sockaddr;
/// sendmsg(2) of one datagram to `address` with `fds` as SCM_RIGHTS ancillary data (what
/// sd_pid_notify_with_fds does), MSG_NOSIGNAL. The byte count sent, or -1 with errno set.
ssize_t rc_send_with_fds(int sock, const void *buf, size_t len, const struct sockaddr *address, unsigned int address_length,
                         const int *fds, int count);

/// recvmsg(2) of one datagram with any SCM_RIGHTS descriptors (close-on-exec), at most
/// `max_fds` of them kept in `fds` (the rest closed), their number in *count. What a service
/// manager does with sd_notify's datagrams; the end-to-end tests play that part.
ssize_t rc_recv_with_fds(int sock, void *buf, size_t len, int *fds, int max_fds, int *count);

#endif
