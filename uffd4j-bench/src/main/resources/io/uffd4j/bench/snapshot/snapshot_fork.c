// The C reference of the snapshot benchmark: the classic fork() snapshot (Redis BGSAVE-style).
// A region is populated, one worker thread reads and writes it (recording the latency of every
// operation), and at the instant the main thread forks: the child writes the region to a file,
// fsyncs and exits while the parent's worker keeps going, paying copy-on-write on its first write to
// each shared page. Reports, as one JSON line: the fork duration, total time, the peak extra memory
// (system MemAvailable drop, sampled every millisecond), and writes the operation latencies (ns,
// uint32, before and during the snapshot) to --lat.
//
// usage: snapshot_fork --size-mb N --mode write|read --out FILE --lat FILE [--huge 1] [--warm-ms 500]
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096UL
#define MAX_LAT (64UL << 20)

static uint8_t *region;
static size_t size;
static int write_heavy;
static atomic_int phase;       // 0 warm, 1 measuring before, 2 during snapshot, 3 stop
static uint32_t *lat_before, *lat_during;
static atomic_size_t n_before, n_during;

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t) t.tv_sec * 1000000000ULL + (uint64_t) t.tv_nsec;
}

static uint64_t xorshift(uint64_t *s) {
    uint64_t x = *s;
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
    return *s = x;
}

static void *worker(void *arg) {
    (void) arg;
    uint64_t seed = 0x9E3779B97F4A7C15ULL;
    size_t pages = size / PAGE;
    volatile uint64_t sink = 0;
    uint64_t n = 0;
    while (atomic_load_explicit(&phase, memory_order_relaxed) != 3) {
        uint64_t r = xorshift(&seed);
        size_t page = r % pages;
        int is_write = write_heavy ? 1 : (r >> 40) % 100 == 0;
        uint64_t t0 = now_ns();
        if (is_write) {
            ((volatile uint64_t *) (region + page * PAGE))[(r >> 20) & 511] = ++n;
        } else {
            sink += ((volatile uint64_t *) (region + page * PAGE))[(r >> 20) & 511];
        }
        uint64_t d = now_ns() - t0;
        int ph = atomic_load_explicit(&phase, memory_order_relaxed);
        uint32_t v = d > UINT32_MAX ? UINT32_MAX : (uint32_t) d;
        if (ph == 1) {
            size_t i = atomic_fetch_add(&n_before, 1);
            if (i < MAX_LAT) lat_before[i] = v;
        } else if (ph == 2) {
            size_t i = atomic_fetch_add(&n_during, 1);
            if (i < MAX_LAT) lat_during[i] = v;
        }
    }
    return NULL;
}

static long mem_available_kb(void) {
    FILE *f = fopen("/proc/meminfo", "r");
    char line[256];
    long v = -1;
    while (f && fgets(line, sizeof line, f)) {
        if (sscanf(line, "MemAvailable: %ld kB", &v) == 1) break;
    }
    if (f) fclose(f);
    return v;
}

static int write_all(int fd, const uint8_t *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n > (1 << 20) ? (1 << 20) : n);
        if (w < 0) { if (errno == EINTR) continue; return -1; }
        p += w; n -= (size_t) w;
    }
    return 0;
}

int main(int argc, char **argv) {
    size_t size_mb = 256; const char *out = NULL, *latf = NULL; int huge = 1; int warm_ms = 500;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--size-mb")) size_mb = strtoul(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--mode")) write_heavy = !strcmp(argv[i + 1], "write");
        else if (!strcmp(argv[i], "--out")) out = argv[i + 1];
        else if (!strcmp(argv[i], "--lat")) latf = argv[i + 1];
        else if (!strcmp(argv[i], "--huge")) huge = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--warm-ms")) warm_ms = atoi(argv[i + 1]);
        else { fprintf(stderr, "unknown option %s\n", argv[i]); return 2; }
    }
    if (!out || !latf) { fprintf(stderr, "--out and --lat are required\n"); return 2; }
    size = size_mb << 20;
    uint8_t *raw = mmap(NULL, size + (2UL << 20), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (raw == MAP_FAILED) { perror("mmap"); return 1; }
    region = (uint8_t *) (((uintptr_t) raw + (2UL << 20) - 1) & ~((2UL << 20) - 1));
    if (huge) madvise(region, size, MADV_HUGEPAGE);
    for (size_t o = 0; o < size; o += PAGE) ((uint64_t *) (region + o))[0] = o / PAGE + 1;
    lat_before = malloc(MAX_LAT * sizeof(uint32_t));
    lat_during = malloc(MAX_LAT * sizeof(uint32_t));
    madvise(lat_before, MAX_LAT * sizeof(uint32_t), MADV_DONTFORK);
    madvise(lat_during, MAX_LAT * sizeof(uint32_t), MADV_DONTFORK);
    pthread_t th;
    pthread_create(&th, NULL, worker, NULL);
    usleep((useconds_t) warm_ms * 1000);
    atomic_store(&phase, 1);
    usleep((useconds_t) warm_ms * 1000);
    long avail0 = mem_available_kb();
    atomic_store(&phase, 2);
    uint64_t t0 = now_ns();
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(out, O_CREAT | O_TRUNC | O_WRONLY, 0644);
        if (fd < 0 || write_all(fd, region, size) != 0 || fsync(fd) != 0) _exit(1);
        close(fd);
        _exit(0);
    }
    uint64_t t1 = now_ns();
    long min_avail = avail0;
    int status = 0;
    for (;;) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid) break;
        long a = mem_available_kb();
        if (a >= 0 && a < min_avail) min_avail = a;
        usleep(1000);
    }
    uint64_t t2 = now_ns();
    atomic_store(&phase, 3);
    pthread_join(th, NULL);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) { fprintf(stderr, "the child failed to write the image\n"); return 1; }
    FILE *lf = fopen(latf, "wb");
    size_t nb = atomic_load(&n_before), nd = atomic_load(&n_during);
    if (nb > MAX_LAT) nb = MAX_LAT;
    if (nd > MAX_LAT) nd = MAX_LAT;
    uint64_t hdr[2] = {nb, nd};
    fwrite(hdr, sizeof hdr, 1, lf);
    fwrite(lat_before, sizeof(uint32_t), nb, lf);
    fwrite(lat_during, sizeof(uint32_t), nd, lf);
    fclose(lf);
    printf("{\"forkNanos\":%llu,\"totalNanos\":%llu,\"peakExtraBytes\":%ld}\n",
           (unsigned long long) (t1 - t0), (unsigned long long) (t2 - t0), (avail0 - min_avail) * 1024L);
    return 0;
}
