#define _GNU_SOURCE
#include "CShim.h"
#include <sys/socket.h>
#include <sys/prctl.h>
#include <stddef.h>
#include <pthread.h>

int rc_peer_uid(int fd, uid_t *uid) {
    struct ucred cred;
    socklen_t len = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
        return -1;
    }
    *uid = cred.uid;
    return 0;
}

int rc_set_nondumpable(void) {
    return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

int rc_accept_nonblocking(int fd) {
    return accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <signal.h>
#include <unistd.h>
#include <errno.h>

int rc_epoll_create(void) {
    return epoll_create1(EPOLL_CLOEXEC);
}

int rc_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data) {
    struct epoll_event ev;
    ev.events = events;
    ev.data.u64 = data;
    int cop = op == RC_EPOLL_ADD ? EPOLL_CTL_ADD : op == RC_EPOLL_DEL ? EPOLL_CTL_DEL : EPOLL_CTL_MOD;
    return epoll_ctl(epfd, cop, fd, &ev);
}

int rc_epoll_wait(int epfd, uint64_t *datas, uint32_t *events, int max, int timeout_ms) {
    struct epoll_event evs[64];
    if (max > 64) max = 64;
    int n = epoll_wait(epfd, evs, max, timeout_ms);
    for (int i = 0; i < n; i++) {
        datas[i] = evs[i].data.u64;
        events[i] = evs[i].events;
    }
    return n;
}

int rc_timerfd_boottime(void) {
    return timerfd_create(CLOCK_BOOTTIME, TFD_NONBLOCK | TFD_CLOEXEC);
}

int rc_timerfd_set_absolute(int fd, int64_t nanoseconds) {
    struct itimerspec spec = {0};
    spec.it_value.tv_sec = nanoseconds / 1000000000;
    spec.it_value.tv_nsec = nanoseconds % 1000000000;
    return timerfd_settime(fd, TFD_TIMER_ABSTIME, &spec, NULL);
}

int rc_eventfd(void) {
    return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

int rc_signalfd(const int *signals, int count) {
    sigset_t set;
    sigemptyset(&set);
    for (int i = 0; i < count; i++) sigaddset(&set, signals[i]);
    if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0) return -1;
    return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

int rc_signalfd_read(int fd) {
    struct signalfd_siginfo info;
    ssize_t n = read(fd, &info, sizeof info);
    if (n == (ssize_t)sizeof info) return (int)info.ssi_signo;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
    return -1;
}

#include <spawn.h>
#include <sys/syscall.h>

int rc_spawn_file_actions_closefrom(posix_spawn_file_actions_t *actions, int from) {
    return posix_spawn_file_actions_addclosefrom_np(actions, from);
}

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

int rc_pidfd_open(pid_t pid) {
    return (int)syscall(SYS_pidfd_open, pid, 0);
}

#include <sys/mman.h>
#include <fcntl.h>
#include <string.h>

int rc_memfd_sealable(const char *name) {
    return memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
}

int rc_memfd_seal_all(int fd) {
    return fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
}

int rc_memfd_seals(int fd) {
    return fcntl(fd, F_GET_SEALS);
}

ssize_t rc_send_with_fds(int sock, const void *buf, size_t len, const struct sockaddr *address, unsigned int address_length,
                         const int *fds, int count) {
    if (count < 0 || count > RC_MAX_PASSED_FDS) {
        errno = EINVAL;
        return -1;
    }
    struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
    union {
        struct cmsghdr header;
        char bytes[CMSG_SPACE(sizeof(int) * RC_MAX_PASSED_FDS)];
    } control;
    memset(&control, 0, sizeof control);
    struct msghdr message = {
        .msg_name = (void *)address, .msg_namelen = address_length, .msg_iov = &iov, .msg_iovlen = 1,
    };
    if (count > 0) {
        message.msg_control = control.bytes;
        message.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)count);
        struct cmsghdr *cmsg = CMSG_FIRSTHDR(&message);
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)count);
        memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * (size_t)count);
    }
    return sendmsg(sock, &message, MSG_NOSIGNAL);
}

ssize_t rc_recv_with_fds(int sock, void *buf, size_t len, int *fds, int max_fds, int *count) {
    *count = 0;
    if (max_fds < 0 || max_fds > RC_MAX_PASSED_FDS) {
        errno = EINVAL;
        return -1;
    }
    struct iovec iov = {.iov_base = buf, .iov_len = len};
    union {
        struct cmsghdr header;
        char bytes[CMSG_SPACE(sizeof(int) * RC_MAX_PASSED_FDS)];
    } control;
    struct msghdr message = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.bytes, .msg_controllen = sizeof control.bytes};
    ssize_t n = recvmsg(sock, &message, MSG_CMSG_CLOEXEC);
    if (n < 0) return n;
    for (struct cmsghdr *cmsg = CMSG_FIRSTHDR(&message); cmsg; cmsg = CMSG_NXTHDR(&message, cmsg)) {
        if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS) continue;
        int received = (int)((cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        int *data = (int *)(void *)CMSG_DATA(cmsg);
        for (int i = 0; i < received; i++) {
            if (*count < max_fds) {
                fds[(*count)++] = data[i];
            } else {
                close(data[i]);
            }
        }
    }
    return n;
}
