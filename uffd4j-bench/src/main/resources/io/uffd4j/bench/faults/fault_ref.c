/*
 * uffd4j C reference for `bench faults`: the same design as uffd4j's FaultServer with one handler
 * thread, written in plain C, so that the Java figures have something honest to be compared with.
 *
 *   handler thread: read(2) up to 64 messages from the non-blocking userfaultfd; per page fault, the
 *                   same ioctl the Java handler calls; when nothing is pending, wait as the strategy
 *                   says (block: poll(2) on the userfaultfd and a stop eventfd; spin: read again after
 *                   a pause instruction; spin-then-block: spin until `spin_ns` after the last message,
 *                   then poll).
 *   faulting thread: (the main thread) one plain 8-byte load (store for wp and floor) per page, timed
 *                   with clock_gettime(CLOCK_MONOTONIC) around each access.
 *
 * Output (--out): little-endian int64 words: magic "UFFDBNCH", version 1, number of runs; then per
 * measured run: faults, elapsed_ns, mismatches, then `faults` latencies in nanoseconds.
 * Built by the bench at run time with: gcc -O2 -pthread. The uapi constants are defined here because
 * distribution headers may predate UFFDIO_MOVE.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* ---- uapi (linux/userfaultfd.h), spelled out ------------------------------------------------ */
#define UFFD_API_VERSION 0xAAULL
#define IOC_API 0xC018AA3FUL
#define IOC_REGISTER 0xC020AA00UL
#define IOC_WAKE 0x8010AA02UL
#define IOC_COPY 0xC028AA03UL
#define IOC_ZEROPAGE 0xC020AA04UL
#define IOC_MOVE 0xC028AA05UL
#define IOC_WRITEPROTECT 0xC018AA06UL
#define IOC_CONTINUE 0xC020AA07UL
#define REG_MISSING 1ULL
#define REG_WP 2ULL
#define REG_MINOR 4ULL
#define WP_MODE_WP 1ULL
#define FEAT_PAGEFAULT_FLAG_WP (1ULL << 0)
#define FEAT_MINOR_SHMEM (1ULL << 10)
#define FEAT_MOVE (1ULL << 16)
#define EVENT_PAGEFAULT 0x12
#define FLAG_USER_MODE_ONLY 1

struct u_api { uint64_t api, features, ioctls; };
struct u_range { uint64_t start, len; };
struct u_register { struct u_range range; uint64_t mode, ioctls; };
struct u_copy { uint64_t dst, src, len, mode; int64_t copy; };
struct u_zeropage { struct u_range range; uint64_t mode; int64_t zeropage; };
struct u_move { uint64_t dst, src, len, mode; int64_t move; };
struct u_writeprotect { struct u_range range; uint64_t mode; };
struct u_continue { struct u_range range; uint64_t mode; int64_t mapped; };
struct u_msg {
    uint8_t event, reserved1;
    uint16_t reserved2;
    uint32_t reserved3;
    union {
        struct { uint64_t flags, address; uint32_t ptid; } pagefault;
        uint64_t reserved[3];
    } arg;
} __attribute__((packed));

/* ---- configuration ------------------------------------------------------------------------- */
enum op { OP_COPY, OP_ZEROPAGE, OP_MOVE, OP_WP, OP_CONTINUE, OP_FLOOR };
enum strategy { ST_BLOCK, ST_SPIN, ST_SPIN_THEN_BLOCK };

#define PAGE 4096UL
#define BATCH 64
#define STAMP_BASE 0x5546464400000000ULL /* "UFFD" in the high half, page index in the low half */
#define FILL 0x5A

static enum op op;
static enum strategy strategy;
static long spin_ns = 50000;
static long runs = 5, warmup_runs = 1, faults = 10000, warmup_faults = 1000;
static int user_mode_only;
static const char *out_path;

static int uffd = -1, stop_fd = -1;
static atomic_int stopping;
static char *region;      /* the served range (registered view for continue) */
static char *source;      /* move: prefilled pages, registered nowhere; continue: the filling view */
static char *copy_page;   /* copy: the handler's source page */
static size_t region_pages;

static void die(const char *what) {
    fprintf(stderr, "fault_ref: %s: %s\n", what, strerror(errno));
    _exit(2);
}

static inline uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

static void fill_page(char *page, size_t index) {
    memset(page, FILL, PAGE);
    *(uint64_t *)page = STAMP_BASE | index;
}

/* ---- the handler (the part compared with FaultServer's handler thread) --------------------- */
static void serve(uint64_t address) {
    uint64_t page = address & ~(PAGE - 1);
    size_t index = (page - (uint64_t)region) / PAGE;
    int r;
    switch (op) {
    case OP_COPY: {
        *(uint64_t *)copy_page = STAMP_BASE | index;
        struct u_copy c = { page, (uint64_t)copy_page, PAGE, 0, 0 };
        r = ioctl(uffd, IOC_COPY, &c);
        break;
    }
    case OP_ZEROPAGE: {
        struct u_zeropage z = { { page, PAGE }, 0, 0 };
        r = ioctl(uffd, IOC_ZEROPAGE, &z);
        break;
    }
    case OP_MOVE: {
        struct u_move m = { page, (uint64_t)source + index * PAGE, PAGE, 0, 0 };
        r = ioctl(uffd, IOC_MOVE, &m);
        break;
    }
    case OP_WP: {
        struct u_writeprotect w = { { page, PAGE }, 0 };
        r = ioctl(uffd, IOC_WRITEPROTECT, &w);
        break;
    }
    case OP_CONTINUE: {
        struct u_continue c = { { page, PAGE }, 0, 0 };
        r = ioctl(uffd, IOC_CONTINUE, &c);
        break;
    }
    default:
        r = 0;
    }
    if (r < 0) {
        if (errno == EEXIST) { /* resolved meanwhile: wake the waiter, as FaultServer does */
            struct u_range w = { page, PAGE };
            if (ioctl(uffd, IOC_WAKE, &w) < 0) die("UFFDIO_WAKE");
            return;
        }
        die("resolving ioctl");
    }
}

static void *handler(void *unused) {
    (void)unused;
    struct u_msg msgs[BATCH];
    struct pollfd pfd[2] = { { .fd = uffd, .events = POLLIN }, { .fd = stop_fd, .events = POLLIN } };
    uint64_t last_work = now_ns();
    while (!atomic_load_explicit(&stopping, memory_order_relaxed)) {
        ssize_t n = read(uffd, msgs, sizeof msgs);
        if (n > 0) {
            for (ssize_t i = 0; i < n / (ssize_t)sizeof(struct u_msg); i++) {
                if (msgs[i].event == EVENT_PAGEFAULT) serve(msgs[i].arg.pagefault.address);
            }
            last_work = now_ns();
            continue;
        }
        if (n < 0 && errno != EAGAIN && errno != EINTR) die("read(userfaultfd)");
        if (strategy == ST_SPIN || (strategy == ST_SPIN_THEN_BLOCK && now_ns() - last_work < (uint64_t)spin_ns)) {
            cpu_relax();
            continue;
        }
        pfd[0].revents = pfd[1].revents = 0;
        if (poll(pfd, 2, -1) < 0 && errno != EINTR) die("poll");
    }
    return NULL;
}

/* ---- setup and per-run reset ---------------------------------------------------------------- */
static char *map_anon(size_t bytes) {
    char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) die("mmap");
    if (madvise(p, bytes, MADV_NOHUGEPAGE) < 0) die("madvise(NOHUGEPAGE)");
    return p;
}

static void open_uffd(uint64_t features) {
    uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | (user_mode_only ? FLAG_USER_MODE_ONLY : 0));
    if (uffd < 0) die("userfaultfd");
    struct u_api api = { UFFD_API_VERSION, features, 0 };
    if (ioctl(uffd, IOC_API, &api) < 0) die("UFFDIO_API");
}

static void register_range(char *start, size_t bytes, uint64_t mode) {
    struct u_register reg = { { (uint64_t)start, bytes }, mode, 0 };
    if (ioctl(uffd, IOC_REGISTER, &reg) < 0) die("UFFDIO_REGISTER");
}

static void setup(void) {
    size_t bytes = region_pages * PAGE;
    switch (op) {
    case OP_FLOOR:
        region = map_anon(bytes);
        return;
    case OP_COPY:
        open_uffd(0);
        region = map_anon(bytes);
        copy_page = aligned_alloc(PAGE, PAGE);
        fill_page(copy_page, 0);
        register_range(region, bytes, REG_MISSING);
        break;
    case OP_ZEROPAGE:
        open_uffd(0);
        region = map_anon(bytes);
        register_range(region, bytes, REG_MISSING);
        break;
    case OP_MOVE:
        open_uffd(FEAT_MOVE);
        region = map_anon(bytes);
        source = map_anon(bytes);
        if (madvise(source, bytes, MADV_DONTFORK) < 0) die("madvise(DONTFORK)");
        register_range(region, bytes, REG_MISSING);
        break;
    case OP_WP:
        open_uffd(FEAT_PAGEFAULT_FLAG_WP);
        region = map_anon(bytes);
        for (size_t i = 0; i < region_pages; i++) fill_page(region + i * PAGE, i);
        register_range(region, bytes, REG_WP);
        break;
    case OP_CONTINUE: {
        open_uffd(FEAT_MINOR_SHMEM);
        int mfd = memfd_create("uffd4j-bench", MFD_CLOEXEC);
        if (mfd < 0) die("memfd_create");
        if (ftruncate(mfd, (off_t)bytes) < 0) die("ftruncate");
        source = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
        region = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
        if (source == MAP_FAILED || region == MAP_FAILED) die("mmap(memfd)");
        close(mfd);
        for (size_t i = 0; i < region_pages; i++) fill_page(source + i * PAGE, i); /* the page cache */
        register_range(region, bytes, REG_MINOR);
        break;
    }
    }
    stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (stop_fd < 0) die("eventfd");
}

/* Makes every page of the region fault again, as the Java side does between runs. */
static void reset(void) {
    size_t bytes = region_pages * PAGE;
    switch (op) {
    case OP_FLOOR: case OP_COPY: case OP_ZEROPAGE: case OP_CONTINUE:
        if (madvise(region, bytes, MADV_DONTNEED) < 0) die("madvise(DONTNEED)");
        break;
    case OP_MOVE:
        if (madvise(region, bytes, MADV_DONTNEED) < 0) die("madvise(DONTNEED)");
        for (size_t i = 0; i < region_pages; i++) fill_page(source + i * PAGE, i);
        break;
    case OP_WP: {
        struct u_writeprotect w = { { (uint64_t)region, bytes }, WP_MODE_WP };
        if (ioctl(uffd, IOC_WRITEPROTECT, &w) < 0) die("UFFDIO_WRITEPROTECT");
        break;
    }
    }
}

/* Pages whose contents are not what the resolution must produce. */
static long verify(size_t count) {
    if (op == OP_FLOOR) return 0;
    char *expected = aligned_alloc(PAGE, PAGE);
    long bad = 0;
    for (size_t i = 0; i < count; i++) {
        const char *page = region + i * PAGE;
        if (op == OP_ZEROPAGE) {
            memset(expected, 0, PAGE);
        } else {
            fill_page(expected, i);
            if (op == OP_WP) *(uint64_t *)expected = ~(STAMP_BASE | i); /* what the faulting store wrote */
        }
        if (memcmp(page, expected, PAGE) != 0) bad++;
    }
    free(expected);
    return bad;
}

/* ---- the faulting thread -------------------------------------------------------------------- */
static void run(int64_t *latencies, int64_t *elapsed, long *mismatches) {
    size_t total = (size_t)(warmup_faults + faults);
    volatile uint64_t sink = 0;
    long bad = 0;
    uint64_t start = 0;
    for (size_t i = 0; i < total; i++) {
        if (i == (size_t)warmup_faults) start = now_ns();
        volatile uint64_t *p = (volatile uint64_t *)(region + i * PAGE);
        uint64_t t0 = now_ns();
        if (op == OP_WP) {
            *p = ~(STAMP_BASE | i);
        } else if (op == OP_FLOOR) {
            *p = i;
        } else {
            uint64_t v = *p;
            sink = v;
            uint64_t want = op == OP_ZEROPAGE ? 0 : (STAMP_BASE | i);
            if (v != want) bad++;
        }
        uint64_t t1 = now_ns();
        if (i >= (size_t)warmup_faults) latencies[i - warmup_faults] = (int64_t)(t1 - t0);
    }
    *elapsed = (int64_t)(now_ns() - start);
    (void)sink;
    *mismatches = bad + verify(total);
}

static void put(FILE *f, int64_t v) {
    if (fwrite(&v, sizeof v, 1, f) != 1) die("write(out)");
}

static long parse_long(const char *s) {
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == 0 || *end != 0 || v < 0) { fprintf(stderr, "fault_ref: bad number %s\n", s); exit(64); }
    return v;
}

static int lookup(const char *s, const char *const *names, int n) {
    for (int i = 0; i < n; i++) if (strcmp(s, names[i]) == 0) return i;
    fprintf(stderr, "fault_ref: unknown value %s\n", s);
    exit(64);
}

int main(int argc, char **argv) {
    static const char *const ops[] = { "copy", "zeropage", "move", "wp", "continue", "floor" };
    static const char *const strategies[] = { "block", "spin", "spin-then-block" };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--user-mode-only") == 0) { user_mode_only = 1; continue; }
        if (v == NULL) { fprintf(stderr, "fault_ref: %s needs a value\n", a); return 64; }
        i++;
        if (strcmp(a, "--op") == 0) op = (enum op)lookup(v, ops, 6);
        else if (strcmp(a, "--strategy") == 0) strategy = (enum strategy)lookup(v, strategies, 3);
        else if (strcmp(a, "--spin-ns") == 0) spin_ns = parse_long(v);
        else if (strcmp(a, "--runs") == 0) runs = parse_long(v);
        else if (strcmp(a, "--warmup-runs") == 0) warmup_runs = parse_long(v);
        else if (strcmp(a, "--faults") == 0) faults = parse_long(v);
        else if (strcmp(a, "--warmup-faults") == 0) warmup_faults = parse_long(v);
        else if (strcmp(a, "--out") == 0) out_path = v;
        else { fprintf(stderr, "fault_ref: unknown option %s\n", a); return 64; }
    }
    if (out_path == NULL || faults < 1) { fprintf(stderr, "fault_ref: --out and --faults >= 1 are required\n"); return 64; }
    region_pages = (size_t)(warmup_faults + faults);
    setup();
    pthread_t thread;
    int have_thread = op != OP_FLOOR;
    if (have_thread && pthread_create(&thread, NULL, handler, NULL) != 0) die("pthread_create");

    int64_t *latencies = malloc(sizeof(int64_t) * (size_t)faults);
    if (latencies == NULL) die("malloc");
    FILE *f = fopen(out_path, "wb");
    if (f == NULL) die("fopen(out)");
    put(f, 0x48434e4244464655LL); /* "UFFDBNCH" little-endian */
    put(f, 1);
    put(f, runs);
    for (long r = 0; r < warmup_runs + runs; r++) {
        int64_t elapsed;
        long bad;
        reset();
        run(latencies, &elapsed, &bad);
        if (r < warmup_runs) {
            if (bad != 0) { fprintf(stderr, "fault_ref: %ld wrong pages in a warm-up run\n", bad); return 3; }
            continue;
        }
        put(f, faults);
        put(f, elapsed);
        put(f, bad);
        if (fwrite(latencies, sizeof(int64_t), (size_t)faults, f) != (size_t)faults) die("write(out)");
    }
    if (fclose(f) != 0) die("fclose(out)");
    if (have_thread) {
        atomic_store(&stopping, 1);
        uint64_t one = 1;
        if (write(stop_fd, &one, sizeof one) < 0) die("write(eventfd)");
        pthread_join(thread, NULL);
    }
    return 0;
}
