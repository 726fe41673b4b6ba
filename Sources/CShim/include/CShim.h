#ifndef REDIRECT_CATCHER_CSHIM_H
#define REDIRECT_CATCHER_CSHIM_H

#include <sys/types.h>

/// The uid of the process at the other end of a connected Unix socket (SO_PEERCRED).
/// Returns 0 and fills *uid, or -1 with errno set.
int rc_peer_uid(int fd, uid_t *uid);

/// prctl(PR_SET_DUMPABLE, 0): no ptrace by other processes of the user, no core dump.
int rc_set_nondumpable(void);

/// accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC): Glibc's module does not export
/// accept4 without _GNU_SOURCE.
int rc_accept_nonblocking(int fd);

#endif
