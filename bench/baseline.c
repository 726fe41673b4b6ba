/* The physical limit for the token socket protocol: a single-threaded server that, on each
 * accepted connection, writes a fixed token and a newline and closes. No epoll, no peer
 * check, no timers: what any server of this protocol must at least do. If NOTIFY_SOCKET is
 * set it sends READY=1 once listening, so that start-up can be compared too.
 *
 *   baseline SOCKET_PATH TOKEN_LENGTH */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static void notify_ready(void) {
    const char *path = getenv("NOTIFY_SOCKET");
    if (!path || !*path) return;
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof addr.sun_path) return;
    strcpy(addr.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return;
    sendto(fd, "READY=1", 7, 0, (struct sockaddr *)&addr, sizeof addr);
    close(fd);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: baseline SOCKET_PATH TOKEN_LENGTH\n");
        return 2;
    }
    long length = strtol(argv[2], NULL, 10);
    if (length <= 0 || length > 1 << 20) return 2;
    char *reply = malloc((size_t)length + 1);
    if (!reply) return 1;
    memset(reply, 'x', (size_t)length);
    reply[length] = '\n';

    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(argv[1]) >= sizeof addr.sun_path) return 2;
    strcpy(addr.sun_path, argv[1]);
    unlink(argv[1]);
    int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listener < 0 || bind(listener, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(listener, SOMAXCONN) < 0) {
        perror("baseline: listen");
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    notify_ready();
    for (;;) {
        int client = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
        if (client < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            perror("baseline: accept");
            return 1;
        }
        ssize_t ignored = write(client, reply, (size_t)length + 1);
        (void)ignored;
        close(client);
    }
}
