/*
 * C reference for uffd4j-compact's page production (the same design as the Java compaction thread):
 * reads a plan exported by the store, builds a from-space like a cycle does (mremap MREMAP_DONTUNMAP
 * of a filled private region, region registered for MISSING faults), then produces every to-space
 * page in address order and prints the nanoseconds that took.
 *   COPY: kept runs (up to 512 pages) with one UFFDIO_COPY each; runs of up to 64 built pages
 *         assembled in a buffer and copied with one UFFDIO_COPY.
 *   MOVE: kept runs with one UFFDIO_MOVE each; runs of built pages assembled in a run of contiguous
 *         recycled from-space pages (pages whose readers were all installed, kept in a bitmap, runs
 *         within 64-page words, first run found from the lowest word) and moved with one UFFDIO_MOVE;
 *         copied when no recycled page is left.
 * With SPIN set in the environment, a second thread of the process spins meanwhile (as the threads of
 * a JVM or of users do), so that UFFDIO_MOVE's TLB flush has to interrupt the other CPU.
 * Usage: compact_ref <plan file> COPY|MOVE
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <pthread.h>

#ifndef UFFDIO_MOVE
struct uffdio_move { uint64_t dst, src, len, mode; int64_t move; };
#define UFFDIO_MOVE _IOWR(UFFDIO, 0x05, struct uffdio_move)
#endif
#ifndef UFFD_FEATURE_MOVE
#define UFFD_FEATURE_MOVE (1ULL << 16)
#endif
#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif
#define MAX_RUN 512
#define MAX_BATCH 64

static uint64_t page;
static uint32_t old_pages, to_pages, count;
static int32_t *source, *consumers, *first;
static uint64_t *old_off, *new_off;
static uint32_t *len;
static char *region, *from;
static int uffd;
static uint64_t *bits;
static uint32_t words, hint;
static int32_t srcs[MAX_BATCH][1100];
static int nsrc[MAX_BATCH];
static volatile int spin_stop;

static void *spinner(void *a) { (void) a; while (!spin_stop) __asm__ volatile("pause"); return 0; }

static void pool_add(uint32_t q) {
    bits[q >> 6] |= 1ull << (q & 63);
    if ((q >> 6) < hint) hint = q >> 6;
}

/* First run of up to max contiguous pages from the lowest word with pages (longest within 16 words). */
static int pool_take(int max, uint32_t *start) {
    int best = 0; uint32_t bw = 0, bs = 0; int seen = 0;
    for (uint32_t i = 0; i < words; i++) {
        uint32_t w = hint + i < words ? hint + i : hint + i - words;
        uint64_t v = bits[w], rest = v;
        if (!v) continue;
        if (!seen) { seen = 1; hint = w; }
        while (rest) {
            int s0 = __builtin_ctzll(rest);
            uint64_t sh = rest >> s0;
            int len = ~sh == 0 ? 64 - s0 : __builtin_ctzll(~sh);
            if (s0 + len > 64) len = 64 - s0;
            int take = len < max ? len : max;
            if (take > best) { best = take; bw = w; bs = s0; }
            if (best == max) break;
            rest = s0 + len >= 64 ? 0 : rest & (~0ull << (s0 + len));
        }
        if (best == max || (i >= 16 && best > 0)) break;
    }
    if (!best) return 0;
    uint64_t mask = best == 64 ? ~0ull : ((1ull << best) - 1) << bs;
    bits[bw] &= ~mask;
    *start = (bw << 6) + bs;
    return best;
}

static void die(const char *what) { perror(what); exit(2); }

static void rd(FILE *f, void *p, size_t n) { if (fread(p, 1, n, f) != n) die("short plan file"); }

static uint64_t now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t) t.tv_sec * 1000000000ull + t.tv_nsec;
}

static void assemble(int k, uint32_t p, char *dst) {
    uint64_t ps = (uint64_t) p * page, pe = ps + page;
    int last = -1;
    memset(dst, 0, page);
    nsrc[k] = 0;
    for (uint32_t i = first[p]; i < count && new_off[i] < pe; i++) {
        uint64_t s = new_off[i] > ps ? new_off[i] : ps;
        uint64_t e = new_off[i] + len[i] < pe ? new_off[i] + len[i] : pe;
        if (s >= e) continue;
        uint64_t at = old_off[i] + (s - new_off[i]);
        memcpy(dst + (s - ps), from + at, e - s);
        for (int q = (int) (at / page) > last + 1 ? (int) (at / page) : last + 1; q <= (int) ((at + (e - s) - 1) / page); q++) {
            srcs[k][nsrc[k]++] = q;
            last = q;
        }
    }
}

static long ioc_copy(uint64_t dst, uint64_t src, uint64_t n) {
    struct uffdio_copy c = { .dst = dst, .src = src, .len = n, .mode = 0, .copy = 0 };
    if (ioctl(uffd, UFFDIO_COPY, &c) == 0) return (long) n;
    if (c.copy > 0) return (long) c.copy;
    return -errno;
}

static long ioc_move(uint64_t dst, uint64_t src, uint64_t n) {
    struct uffdio_move m = { .dst = dst, .src = src, .len = n, .mode = 0, .move = 0 };
    if (ioctl(uffd, UFFDIO_MOVE, &m) == 0) return (long) n;
    if (m.move > 0) return (long) m.move;
    return -errno;
}

static void run_range(int move, uint64_t dst, uint64_t src, uint64_t n) {
    uint64_t done = 0;
    while (done < n) {
        long r = move ? ioc_move(dst + done, src + done, n - done) : ioc_copy(dst + done, src + done, n - done);
        if (r > 0) { done += r; continue; }
        if (r == -EAGAIN) continue;
        if (move && r == -EBUSY) {
            if (ioc_copy(dst + done, src + done, page) < 0) die("UFFDIO_COPY fallback");
            done += page;
            continue;
        }
        errno = (int) -r;
        die(move ? "UFFDIO_MOVE" : "UFFDIO_COPY");
    }
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: %s <plan> COPY|MOVE\n", argv[0]); return 2; }
    int move = strcmp(argv[2], "MOVE") == 0;
    FILE *f = fopen(argv[1], "rb");
    if (!f) die("open plan");
    char magic[4];
    uint32_t version;
    rd(f, magic, 4);
    rd(f, &version, 4);
    if (memcmp(magic, "UFPL", 4) || version != 1) { fprintf(stderr, "not a plan file\n"); return 2; }
    rd(f, &page, 8);
    rd(f, &old_pages, 4);
    rd(f, &to_pages, 4);
    rd(f, &count, 4);
    source = malloc(4 * (to_pages + 1));
    first = malloc(4 * (to_pages + 1));
    consumers = malloc(4 * (old_pages + 1));
    old_off = malloc(8 * (count + 1));
    new_off = malloc(8 * (count + 1));
    len = malloc(4 * (count + 1));
    words = (old_pages + 63) / 64 + 1;
    bits = calloc(words, 8);
    rd(f, source, 4ull * to_pages);
    rd(f, first, 4ull * to_pages);
    rd(f, consumers, 4ull * old_pages);
    for (uint32_t i = 0; i < count; i++) {
        rd(f, &old_off[i], 8);
        rd(f, &new_off[i], 8);
        rd(f, &len[i], 4);
    }
    fclose(f);

    size_t size = (size_t) (old_pages > to_pages ? old_pages : to_pages) * page + page;
    region = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (region == MAP_FAILED) die("mmap");
    madvise(region, size, MADV_NOHUGEPAGE);
    madvise(region, size, MADV_DONTFORK);
    for (size_t o = 0; o < (size_t) old_pages * page; o += page) memset(region + o, (int) (o / page), page);

    uffd = (int) syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
    if (uffd < 0) die("userfaultfd");
    struct uffdio_api api = { .api = UFFD_API, .features = move ? UFFD_FEATURE_MOVE : 0 };
    if (ioctl(uffd, UFFDIO_API, &api)) die("UFFDIO_API");
    from = mremap(region, size, size, MREMAP_MAYMOVE | MREMAP_DONTUNMAP);
    if (from == MAP_FAILED) die("mremap");
    struct uffdio_register reg = { .range = { .start = (uint64_t) region, .len = size }, .mode = UFFDIO_REGISTER_MODE_MISSING };
    if (ioctl(uffd, UFFDIO_REGISTER, &reg)) die("UFFDIO_REGISTER");
    char *buffer = aligned_alloc(page, page * MAX_BATCH);
    memset(buffer, 0, page * MAX_BATCH);
    pthread_t th;
    int spin = getenv("SPIN") != NULL;
    if (spin) pthread_create(&th, 0, spinner, 0);

    uint64_t t0 = now();
    if (move) {
        for (uint32_t q = 0; q < old_pages; q++) if (consumers[q] == 0) pool_add(q);
    }
    for (uint32_t p = 0; p < to_pages;) {
        uint64_t dst = (uint64_t) region + (uint64_t) p * page;
        if (source[p] >= 0) {
            uint32_t n = 1;
            while (n < MAX_RUN && p + n < to_pages && source[p + n] == source[p] + (int32_t) n) n++;
            run_range(move, dst, (uint64_t) from + (uint64_t) source[p] * page, (uint64_t) n * page);
            p += n;
            continue;
        }
        uint32_t n = 1;
        while (n < MAX_BATCH && p + n < to_pages && source[p + n] < 0) n++;
        uint32_t done = 0;
        while (done < n) {
            uint32_t f;
            int m = move ? pool_take((int) (n - done), &f) : 0;
            if (m > 0) {
                for (int k = 0; k < m; k++) assemble(k, p + done + k, from + (uint64_t) (f + k) * page);
                run_range(1, dst + (uint64_t) done * page, (uint64_t) from + (uint64_t) f * page, (uint64_t) m * page);
            } else {
                m = (int) (n - done);
                for (int k = 0; k < m; k++) assemble(k, p + done + k, buffer + (uint64_t) k * page);
                run_range(0, dst + (uint64_t) done * page, (uint64_t) buffer, (uint64_t) m * page);
            }
            if (move) {
                for (int k = 0; k < m; k++)
                    for (int j = 0; j < nsrc[k]; j++) if (--consumers[srcs[k][j]] == 0) pool_add((uint32_t) srcs[k][j]);
            }
            done += (uint32_t) m;
        }
        p += n;
    }
    uint64_t t1 = now();
    spin_stop = 1;
    if (spin) pthread_join(th, 0);
    munmap(from, size);
    uint64_t t2 = now();
    printf("%llu %llu\n", (unsigned long long) (t1 - t0), (unsigned long long) (t2 - t1));
    return 0;
}
