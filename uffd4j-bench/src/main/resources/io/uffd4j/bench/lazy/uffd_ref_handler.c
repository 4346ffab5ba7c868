/*
 * Reference userfaultfd handler for the uffd4j lazy-memory benchmark, same design as the uffd4j pager:
 * a separate process that receives the userfaultfd over a Unix SOCK_SEQPACKET socket (SCM_RIGHTS),
 * together with the registered range, and resolves MISSING faults with UFFDIO_COPY from a read-only
 * mapping of the image file (ZEROPAGE past its end). One thread, poll(2) on the descriptor, batches of
 * up to 64 messages. It exits when the socket is closed.
 *
 * usage: uffd_ref_handler SOCKET_PATH IMAGE_PATH
 * Built by the benchmark with the machine's gcc at run time (gcc -O2).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define UFFDIO_COPY_REQ 0xC028AA03UL
#define UFFDIO_ZEROPAGE_REQ 0xC020AA04UL
#define UFFDIO_WAKE_REQ 0x8010AA02UL
#define EVENT_PAGEFAULT 0x12

struct copy_arg { uint64_t dst, src, len, mode; int64_t copy; };
struct zero_arg { uint64_t start, len, mode; int64_t zeropage; };
struct range_arg { uint64_t start, len; };
struct msg { uint8_t event; uint8_t reserved[7]; uint64_t a, b, c; };

static int receive_uffd(int sock, uint64_t *start, uint64_t *len) {
    uint64_t payload[2];
    char control[CMSG_SPACE(sizeof(int))];
    struct iovec iov = { payload, sizeof payload };
    struct msghdr m = { 0 };
    m.msg_iov = &iov; m.msg_iovlen = 1; m.msg_control = control; m.msg_controllen = sizeof control;
    if (recvmsg(sock, &m, 0) != sizeof payload) { perror("recvmsg"); return -1; }
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    if (!c || c->cmsg_type != SCM_RIGHTS) { fprintf(stderr, "no descriptor received\n"); return -1; }
    int fd; memcpy(&fd, CMSG_DATA(c), sizeof fd);
    *start = payload[0]; *len = payload[1];
    return fd;
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: %s SOCKET IMAGE\n", argv[0]); return 2; }
    int img = open(argv[2], O_RDONLY);
    struct stat st;
    if (img < 0 || fstat(img, &st) < 0) { perror("image"); return 1; }
    uint64_t image_size = (uint64_t) st.st_size;
    char *image = mmap(NULL, image_size, PROT_READ, MAP_SHARED, img, 0);
    if (image == MAP_FAILED) { perror("mmap"); return 1; }
    int sock = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    strncpy(addr.sun_path, argv[1], sizeof addr.sun_path - 1);
    if (connect(sock, (struct sockaddr *) &addr, sizeof addr) < 0) { perror("connect"); return 1; }
    uint64_t start, len;
    int uffd = receive_uffd(sock, &start, &len);
    if (uffd < 0) return 1;
    uint64_t page = (uint64_t) sysconf(_SC_PAGESIZE);
    struct pollfd pfd[2] = { { uffd, POLLIN, 0 }, { sock, POLLIN, 0 } };
    struct msg msgs[64];
    for (;;) {
        if (poll(pfd, 2, -1) < 0) { if (errno == EINTR) continue; perror("poll"); return 1; }
        if (pfd[1].revents) break; /* the application closed the connection */
        ssize_t n = read(uffd, msgs, sizeof msgs);
        if (n < 0) { if (errno == EAGAIN || errno == EINTR) continue; perror("read"); return 1; }
        for (ssize_t i = 0; i < n / (ssize_t) sizeof(struct msg); i++) {
            if (msgs[i].event != EVENT_PAGEFAULT) continue;
            uint64_t at = msgs[i].b & ~(page - 1);
            uint64_t off = at - start;
            int r;
            if (off + page <= image_size) {
                struct copy_arg c = { at, (uint64_t) (image + off), page, 0, 0 };
                r = ioctl(uffd, UFFDIO_COPY_REQ, &c);
            } else {
                struct zero_arg z = { at, page, 0, 0 };
                r = ioctl(uffd, UFFDIO_ZEROPAGE_REQ, &z);
            }
            if (r < 0 && errno == EEXIST) {
                struct range_arg w = { at, page };
                ioctl(uffd, UFFDIO_WAKE_REQ, &w);
            } else if (r < 0 && errno != EAGAIN) {
                perror("UFFDIO_COPY");
            }
        }
    }
    return 0;
}
