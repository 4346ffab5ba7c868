/*
 * Test client for ForkTest: a native process that opens a lazy region with the uffd4j pager daemon
 * (speaking its protocol: protocol/Wire.java), touches part of it, then fork()s. The child inherits the
 * region; with UFFD_FEATURE_EVENT_FORK its unfilled pages fault on a new userfaultfd that the pager
 * must adopt and serve. Both processes verify every word against the generator source.
 * usage: fork_client SOCKET ; prints "OK ..." and exits 0 on success.
 *
 * ForkLeakTest: fork_client SOCKET many N. Prints "WORKER pid" and "READY", waits for a line on stdin,
 * forks N children (even ones verify one page and exit, odd ones exec "sleep 600": their memory is gone
 * while the process lives on), prints "FORKED N", waits for another line, kills the sleepers, closes
 * the region and prints "OK".
 *
 * fork_client SOCKET shared: the region is a shared memfd (MISSING + MINOR); the parent fills pages
 * 0..63, then forks a child that touches page 100 (unfilled) and page 10 (filled by the parent). The
 * child must not read wrong data: it exits 42 on SIGBUS, 1 on a wrong word. Then the parent verifies
 * every page; prints "CHILD status" and "OK ...".
 *
 * fork_client SOCKET outlive IMAGE: writes IMAGE (the generator's words), opens the region from it
 * (source "file"), fills pages 0..63, forks a child that waits, closes the region, then lets the child
 * verify every page (192 of them still to be served from the image); prints "CHILD status" and "OK".
 *
 * fork_client SOCKET restart: fills pages 0..63, forks a child that waits, prints "WORKER pid" and
 * "FORKED", waits for a line on stdin (the test kills the worker and waits for its successor), then lets
 * the child verify every page (192 of them served by the new worker); prints "CHILD status" and "OK".
 *
 * fork_client SOCKET exec: prints "WORKER pid" and "READY", waits for a line on stdin, then execs
 * "sleep 600" keeping its pager connection open: the application's memory is gone, its region unclosed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGES 256
#define PAGE 4096
#define SEED 77
#define PROTOCOL 2 /* the pager's wire version (Wire.VERSION): the supervisor refuses any other */

struct api { uint64_t api, features, ioctls; };
struct reg { uint64_t start, len, mode, ioctls; };

static uint64_t word(uint64_t seed, uint64_t page, uint64_t w) {
    uint64_t z = seed * 0x9E3779B97F4A7C15ULL + page * 0xBF58476D1CE4E5B9ULL + w * 0x94D049BB133111EBULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static void on_sigbus(int sig) { (void) sig; _exit(42); }

static int verify(const char *who, uint64_t *base, int from, int to) {
    for (int p = from; p < to; p++)
        for (int w = 0; w < PAGE / 8; w++)
            if (base[(size_t) p * (PAGE / 8) + w] != word(SEED, p, w)) {
                fprintf(stderr, "%s: wrong word %d of page %d\n", who, w, p);
                return 0;
            }
    return 1;
}

static unsigned char out[4096];
static size_t n;
static void u8(int v) { out[n++] = (unsigned char) v; }
static void u32(uint32_t v) { for (int i = 3; i >= 0; i--) u8((v >> (8 * i)) & 0xff); }
static void u64(uint64_t v) { for (int i = 7; i >= 0; i--) u8((v >> (8 * i)) & 0xff); }
static void utf(const char *s) { size_t l = strlen(s); u8((l >> 8) & 0xff); u8(l & 0xff); memcpy(out + n, s, l); n += l; }

static void send_fds(int sock, const int *fds, int count) {
    char control[CMSG_SPACE(3 * sizeof(int))] = { 0 };
    struct iovec iov = { out, n };
    struct msghdr m = { 0 };
    m.msg_iov = &iov; m.msg_iovlen = 1;
    if (count > 0) {
        m.msg_control = control; m.msg_controllen = CMSG_SPACE(count * sizeof(int));
        struct cmsghdr *c = CMSG_FIRSTHDR(&m);
        c->cmsg_level = SOL_SOCKET; c->cmsg_type = SCM_RIGHTS; c->cmsg_len = CMSG_LEN(count * sizeof(int));
        memcpy(CMSG_DATA(c), fds, count * sizeof(int));
    }
    if (sendmsg(sock, &m, 0) < 0) { perror("sendmsg"); exit(1); }
}

static void send_fd(int sock, int fd) {
    send_fds(sock, &fd, fd >= 0 ? 1 : 0);
}

/* Receives messages until one with the given tag arrives; returns its payload length. */
static void await_line(void) {
    char line[64];
    if (!fgets(line, sizeof line, stdin)) { fprintf(stderr, "stdin closed\n"); exit(1); }
}

/* Forks n children while the region is registered; returns 1 if every exiting child verified its page. */
static int fork_many(int sock, uint64_t *region, int n, pid_t *sleepers) {
    int ok = 1;
    for (int k = 0; k < n; k++) {
        pid_t c = fork();
        if (c < 0) { perror("fork"); exit(1); }
        if (c == 0) {
            close(sock);
            if (k % 2 == 1) {
                execl("/bin/sleep", "sleep", "600", (char *) 0);
                _exit(3);
            }
            int page = 64 + k % (PAGES - 64);
            _exit(verify("child", region, page, page + 1) ? 0 : 1);
        }
        if (k % 2 == 1) {
            sleepers[k / 2] = c;
            continue;
        }
        int status = 0;
        waitpid(c, &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) { fprintf(stderr, "child %d failed (status %d)\n", k, status); ok = 0; }
    }
    return ok;
}

static ssize_t receive(int sock, int tag, unsigned char *buf) {
    for (;;) {
        ssize_t r = recv(sock, buf, 65536, 0);
        if (r <= 0) { fprintf(stderr, "pager connection closed\n"); exit(1); }
        if (buf[1] == tag) return r;
        if (buf[1] == 3) { fprintf(stderr, "pager refused the region: %.*s\n", (int) (r - 20), buf + 20); exit(1); }
    }
}

/*
 * Forks a child that waits until a byte arrives on *go (the write end, returned), then verifies every
 * page of the region (exit 0), exiting 1 on a wrong word and 42 on SIGBUS. Returns the child's pid.
 */
static pid_t fork_waiting_child(int sock, uint64_t *region, int *go) {
    int pipefd[2];
    if (pipe(pipefd) < 0) { perror("pipe"); return -1; }
    pid_t c = fork();
    if (c == 0) {
        close(sock);
        close(pipefd[1]);
        char b;
        if (read(pipefd[0], &b, 1) != 1) _exit(2);
        signal(SIGBUS, on_sigbus);
        _exit(verify("child", region, 0, PAGES) ? 0 : 1);
    }
    close(pipefd[0]);
    *go = pipefd[1];
    return c;
}

int main(int argc, char **argv) {
    int many = argc == 4 && strcmp(argv[2], "many") == 0 ? atoi(argv[3]) : 0;
    int exec_after = argc == 3 && strcmp(argv[2], "exec") == 0;
    int restart = argc == 3 && strcmp(argv[2], "restart") == 0;
    int shared = argc == 3 && strcmp(argv[2], "shared") == 0;
    const char *image = argc == 4 && strcmp(argv[2], "outlive") == 0 ? argv[3] : NULL;
    if (argc != 2 && many <= 0 && !exec_after && !shared && !image && !restart) {
        fprintf(stderr, "usage: %s SOCKET [many N | exec | shared | outlive IMAGE | restart]\n", argv[0]);
        return 2;
    }
    if (image) {
        FILE *f = fopen(image, "wb");
        if (!f) { perror(image); return 1; }
        for (int p = 0; p < PAGES; p++)
            for (int w = 0; w < PAGE / 8; w++) {
                uint64_t v = word(SEED, p, w);
                fwrite(&v, 8, 1, f);
            }
        if (fclose(f) != 0) { perror(image); return 1; }
    }
    static unsigned char buf[65536];
    int sock = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    strncpy(addr.sun_path, argv[1], sizeof addr.sun_path - 1);
    if (connect(sock, (struct sockaddr *) &addr, sizeof addr) < 0) { perror("connect"); return 1; }
    receive(sock, 11, buf); /* Hello */
    uint64_t worker = 0;
    for (int i = 0; i < 8; i++) worker = (worker << 8) | buf[10 + i];

    int uffd = (int) syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
    if (uffd < 0) { perror("userfaultfd"); return 1; }
    /* FORK, REMAP, REMOVE, UNMAP; shared: also MISSING_SHMEM, MINOR_SHMEM, POISON */
    struct api a = { 0xAA, (1 << 1) | (1 << 2) | (1 << 3) | (1 << 6) | (shared ? (1 << 5) | (1 << 10) | (1 << 14) : 0), 0 };
    if (ioctl(uffd, 0xC018AA3FUL, &a) < 0) { perror("UFFDIO_API"); return 1; }
    size_t len = (size_t) PAGES * PAGE;
    int memfd = -1, journal = -1;
    uint64_t *region;
    if (shared) {
        memfd = (int) syscall(SYS_memfd_create, "fork-client-region", 1 /* MFD_CLOEXEC */);
        journal = (int) syscall(SYS_memfd_create, "fork-client-journal", 1);
        if (memfd < 0 || journal < 0 || ftruncate(memfd, (off_t) len) < 0 || ftruncate(journal, PAGE) < 0) { perror("memfd"); return 1; }
        region = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
    } else {
        region = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    }
    struct reg r = { (uint64_t) region, len, shared ? 1 | 4 : 1, 0 }; /* MISSING [| MINOR] */
    if (ioctl(uffd, 0xC020AA00UL, &r) < 0) { perror("UFFDIO_REGISTER"); return 1; }

    char size[32];
    snprintf(size, sizeof size, "%zu", len);
    n = 0;
    u8(PROTOCOL); u8(1);                   /* version, Open */
    u64(1); u64(0);                        /* token, region id */
    u64((uint64_t) region); u64(len); u64(PAGE);
    utf(shared ? "SHARED_MEMFD" : "PRIVATE_ANONYMOUS");
    u32(shared ? 7 : 4); utf("EVENT_FORK"); utf("EVENT_REMAP"); utf("EVENT_REMOVE"); utf("EVENT_UNMAP");
    if (shared) { utf("MISSING_SHMEM"); utf("MINOR_SHMEM"); utf("POISON"); }
    if (image) { utf("file"); u32(1); utf("path"); utf(image); }
    else { utf("generator"); u32(2); utf("seed"); utf("77"); utf("size"); utf(size); }
    utf("NONE"); utf(""); utf(""); u32(3); u32((uint32_t) getpid());
    u8(0); u8(0);                          /* writeProtect, tracking */
    u8(0); u8(0);                          /* recovering, poisonAll */
    if (shared) {
        int fds[3] = { uffd, memfd, journal };
        send_fds(sock, fds, 3);
    } else {
        send_fd(sock, uffd);
    }
    receive(sock, 2, buf);                 /* Opened */
    uint64_t id = 0;
    for (int i = 0; i < 8; i++) id = (id << 8) | buf[10 + i];

    if (!verify("parent before fork", region, 0, 64)) return 1;
    if (image) {
        int go;
        pid_t c = fork_waiting_child(sock, region, &go);
        if (c < 0) return 1;
        n = 0; u8(PROTOCOL); u8(4); u64(id);      /* Close: the child's copy is still served */
        send_fd(sock, -1);
        receive(sock, 5, buf);             /* Closed */
        if (write(go, "x", 1) != 1) { perror("write"); return 1; }
        int status = 0;
        waitpid(c, &status, 0);
        printf("CHILD %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
        printf("OK\n");
        return 0;
    }
    if (restart) {
        int go;
        pid_t c = fork_waiting_child(sock, region, &go);
        if (c < 0) return 1;
        printf("WORKER %llu\nFORKED\n", (unsigned long long) worker);
        fflush(stdout);
        await_line();
        if (write(go, "x", 1) != 1) { perror("write"); return 1; }
        int status = 0;
        waitpid(c, &status, 0);
        printf("CHILD %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
        fflush(stdout);
        if (!verify("parent after the restart", region, 0, PAGES)) return 1;
        n = 0; u8(PROTOCOL); u8(4); u64(id);      /* Close */
        send_fd(sock, -1);
        receive(sock, 5, buf);             /* Closed */
        printf("OK\n");
        return 0;
    }
    if (shared) {
        pid_t c = fork();
        if (c == 0) {
            close(sock);
            signal(SIGBUS, on_sigbus);
            _exit(verify("child", region, 100, 101) && verify("child", region, 10, 11) ? 0 : 1);
        }
        int status = 0;
        waitpid(c, &status, 0);
        printf("CHILD %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
        if (!verify("parent after fork", region, 0, PAGES)) return 1;
        n = 0; u8(PROTOCOL); u8(4); u64(id);      /* Close */
        send_fd(sock, -1);
        receive(sock, 5, buf);             /* Closed */
        printf("OK parent read %d verified pages\n", PAGES);
        return 0;
    }
    if (exec_after) {
        printf("WORKER %llu\nREADY\n", (unsigned long long) worker);
        fflush(stdout);
        await_line();
        execl("/bin/sleep", "sleep", "600", (char *) 0); /* the socket has no close-on-exec: it stays open */
        perror("execl");
        return 1;
    }
    if (many > 0) {
        pid_t *sleepers = calloc((size_t) many, sizeof(pid_t));
        printf("WORKER %llu\nREADY\n", (unsigned long long) worker);
        fflush(stdout);
        await_line();
        int ok = fork_many(sock, region, many, sleepers);
        printf("FORKED %d\n", many);
        fflush(stdout);
        await_line();
        for (int k = 0; k < many / 2; k++) {
            kill(sleepers[k], SIGKILL);
            waitpid(sleepers[k], 0, 0);
        }
        if (!ok) return 1;
        n = 0; u8(PROTOCOL); u8(4); u64(id);      /* Close */
        send_fd(sock, -1);
        receive(sock, 5, buf);             /* Closed */
        printf("OK %d forked children served\n", many);
        return 0;
    }
    pid_t child = fork();
    if (child == 0) {
        close(sock);
        _exit(verify("child", region, 0, PAGES) ? 0 : 1);
    }
    int status = 0;
    waitpid(child, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) { fprintf(stderr, "child failed (status %d)\n", status); return 1; }
    if (!verify("parent after fork", region, 64, PAGES)) return 1;

    n = 0; u8(PROTOCOL); u8(4); u64(id);          /* Close */
    send_fd(sock, -1);
    receive(sock, 5, buf);                 /* Closed */
    printf("OK parent and forked child read %d verified pages each\n", PAGES);
    return 0;
}
