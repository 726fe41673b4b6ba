/* The load client: THREADS threads, each fetching in a loop as `nc -U` does (socket,
 * connect, read to end of file, close) and recording every fetch's latency in nanoseconds
 * on CLOCK_MONOTONIC. Stops after SECONDS (a time-bound run) or after FETCHES fetches in
 * all (a count-bound run, SECONDS 0). Checks every reply: non-empty, one line, not an
 * `error:` line, and as long as the first one.
 *
 *   loadgen SOCKET_PATH THREADS SECONDS [FETCHES]
 *
 * Prints one line of key=value pairs: fetches, errors, seconds, per_second, p50_ns, p99_ns,
 * p999_ns, max_ns, bytes. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static struct sockaddr_un address = {.sun_family = AF_UNIX};
static atomic_bool stop_flag;
static atomic_long budget;  /* fetches left in a count-bound run; unused when time-bound */
static atomic_long expected_length = -1;
static long count_bound;

typedef struct {
    uint64_t *latencies;
    size_t count, capacity;
    long errors;
    long bytes;
} Worker;

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* One fetch; returns the reply length, or -1. */
static long fetch(void) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    if (connect(fd, (struct sockaddr *)&address, sizeof address) < 0) {
        close(fd);
        return -1;
    }
    char buffer[16384];
    long total = 0;
    char head[6] = {0}, last = 0;
    for (;;) {
        ssize_t n = read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            if (n < 0) total = -1;
            break;
        }
        for (ssize_t i = 0; i < n && total + i < 6; i++) head[total + i] = buffer[i];
        last = buffer[n - 1];
        total += n;
    }
    close(fd);
    if (total <= 1 || last != '\n' || memcmp(head, "error:", 6) == 0) return -1;
    return total;
}

static void *run(void *raw) {
    Worker *w = raw;
    while (!atomic_load_explicit(&stop_flag, memory_order_relaxed)) {
        if (count_bound && atomic_fetch_sub(&budget, 1) <= 0) break;
        uint64_t start = now_ns();
        long length = fetch();
        uint64_t elapsed = now_ns() - start;
        long expected = -1;
        if (length > 0) atomic_compare_exchange_strong(&expected_length, &expected, length);
        if (length < 0 || length != atomic_load(&expected_length)) {
            w->errors++;
            continue;
        }
        w->bytes += length;
        if (w->count == w->capacity) {
            w->capacity = w->capacity ? w->capacity * 2 : 65536;
            w->latencies = realloc(w->latencies, w->capacity * sizeof *w->latencies);
            if (!w->latencies) abort();
        }
        w->latencies[w->count++] = elapsed;
    }
    return NULL;
}

static int compare(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    if (argc < 4 || argc > 5) {
        fprintf(stderr, "usage: loadgen SOCKET_PATH THREADS SECONDS [FETCHES]\n");
        return 2;
    }
    if (strlen(argv[1]) >= sizeof address.sun_path) return 2;
    strcpy(address.sun_path, argv[1]);
    int threads = atoi(argv[2]);
    double seconds = atof(argv[3]);
    count_bound = argc == 5 ? atol(argv[4]) : 0;
    if (threads < 1 || threads > 4096 || (seconds <= 0 && count_bound <= 0)) return 2;
    atomic_store(&budget, count_bound);

    Worker *workers = calloc((size_t)threads, sizeof *workers);
    pthread_t *ids = calloc((size_t)threads, sizeof *ids);
    if (!workers || !ids) return 1;
    uint64_t start = now_ns();
    for (int i = 0; i < threads; i++) {
        if (pthread_create(&ids[i], NULL, run, &workers[i]) != 0) {
            perror("loadgen: pthread_create");
            return 1;
        }
    }
    if (seconds > 0) {
        struct timespec pause = {.tv_sec = (time_t)seconds, .tv_nsec = (long)((seconds - (double)(time_t)seconds) * 1e9)};
        while (nanosleep(&pause, &pause) < 0 && errno == EINTR) {}
        atomic_store(&stop_flag, true);
    }
    for (int i = 0; i < threads; i++) pthread_join(ids[i], NULL);
    double elapsed = (double)(now_ns() - start) / 1e9;

    size_t total = 0;
    long errors = 0, bytes = 0;
    for (int i = 0; i < threads; i++) {
        total += workers[i].count;
        errors += workers[i].errors;
        bytes += workers[i].bytes;
    }
    uint64_t *all = malloc((total ? total : 1) * sizeof *all);
    if (!all) return 1;
    size_t at = 0;
    for (int i = 0; i < threads; i++) {
        memcpy(all + at, workers[i].latencies, workers[i].count * sizeof *all);
        at += workers[i].count;
    }
    qsort(all, total, sizeof *all, compare);
#define PCT(p) (total ? all[(size_t)((double)(total - 1) * (p))] : 0)
    printf("fetches=%zu errors=%ld seconds=%.3f per_second=%.0f p50_ns=%llu p99_ns=%llu p999_ns=%llu max_ns=%llu bytes=%ld\n",
           total, errors, elapsed, (double)total / elapsed, (unsigned long long)PCT(0.5), (unsigned long long)PCT(0.99),
           (unsigned long long)PCT(0.999), (unsigned long long)(total ? all[total - 1] : 0), total ? bytes / (long)total : 0);
    return errors ? 1 : 0;
}
