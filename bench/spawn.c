/* Times a program from exec, as systemd or a shell would start it, RUNS times:
 *
 *   spawn ready RUNS NOTIFY_PATH -- PROGRAM ARGS...   exec to its READY=1 datagram on
 *       NOTIFY_PATH (the program gets NOTIFY_SOCKET=NOTIFY_PATH), then SIGTERM and reap
 *   spawn exit RUNS -- PROGRAM ARGS...                exec to exit, reading its stdout to end
 *       of file; each run must exit 0 and print one line that is not `error:` (a token fetch)
 *
 * The clock starts just before posix_spawn (fork and exec included, as for a real start).
 * Prints: runs, p50_ns, min_ns, max_ns. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static int compare(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int bind_notify(const char *path) {
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof addr.sun_path) return -1;
    strcpy(addr.sun_path, path);
    unlink(path);
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) return -1;
    return fd;
}

/* Exec to READY=1, in ns, or 0 on failure. */
static uint64_t time_ready(int notify, char **argv) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    uint64_t start = now_ns();
    int rc = posix_spawn(&pid, argv[0], &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
        fprintf(stderr, "spawn: %s: %s\n", argv[0], strerror(rc));
        return 0;
    }
    uint64_t elapsed = 0;
    for (;;) {
        struct pollfd p = {.fd = notify, .events = POLLIN};
        if (poll(&p, 1, 10000) <= 0) {
            fprintf(stderr, "spawn: no READY=1 within 10 s\n");
            break;
        }
        char message[4096];
        ssize_t n = recv(notify, message, sizeof message - 1, 0);
        if (n <= 0) continue;
        message[n] = 0;
        if (strstr(message, "READY=1")) {
            elapsed = now_ns() - start;
            break;
        }
    }
    kill(pid, SIGTERM);
    int status;
    waitpid(pid, &status, 0);
    return elapsed;
}

/* Exec to exit with its output read, in ns, or 0 on failure. */
static uint64_t time_exit(char **argv) {
    int out[2];
    if (pipe2(out, O_CLOEXEC) < 0) return 0;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    pid_t pid;
    uint64_t start = now_ns();
    int rc = posix_spawn(&pid, argv[0], &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    if (rc != 0) {
        fprintf(stderr, "spawn: %s: %s\n", argv[0], strerror(rc));
        close(out[0]);
        return 0;
    }
    char buffer[16384];
    size_t total = 0;
    char head[6] = {0};
    for (;;) {
        ssize_t n = read(out[0], buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        for (ssize_t i = 0; i < n && total + (size_t)i < 6; i++) head[total + (size_t)i] = buffer[i];
        total += (size_t)n;
    }
    int status;
    waitpid(pid, &status, 0);
    uint64_t elapsed = now_ns() - start;
    close(out[0]);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || total < 2 || memcmp(head, "error:", 6) == 0) {
        fprintf(stderr, "spawn: %s failed (status %d, %zu bytes)\n", argv[0], status, total);
        return 0;
    }
    return elapsed;
}

int main(int argc, char **argv) {
    int ready = argc > 2 && strcmp(argv[1], "ready") == 0;
    int separator = ready ? 4 : 3;
    if (argc <= separator + 1 || strcmp(argv[separator], "--") != 0 || (!ready && strcmp(argv[1], "exit") != 0)) {
        fprintf(stderr, "usage: spawn ready RUNS NOTIFY_PATH -- PROGRAM ARGS... | spawn exit RUNS -- PROGRAM ARGS...\n");
        return 2;
    }
    int runs = atoi(argv[2]);
    if (runs < 1) return 2;
    int notify = -1;
    if (ready) {
        notify = bind_notify(argv[3]);
        if (notify < 0 || setenv("NOTIFY_SOCKET", argv[3], 1) < 0) {
            perror("spawn: notify socket");
            return 1;
        }
    }
    uint64_t *times = calloc((size_t)runs, sizeof *times);
    if (!times) return 1;
    for (int i = 0; i < runs; i++) {
        times[i] = ready ? time_ready(notify, argv + separator + 1) : time_exit(argv + separator + 1);
        if (times[i] == 0) return 1;
    }
    qsort(times, (size_t)runs, sizeof *times, compare);
    printf("runs=%d p50_ns=%llu min_ns=%llu max_ns=%llu\n", runs, (unsigned long long)times[(runs - 1) / 2],
           (unsigned long long)times[0], (unsigned long long)times[runs - 1]);
    if (ready) unlink(argv[3]);
    return 0;
}
