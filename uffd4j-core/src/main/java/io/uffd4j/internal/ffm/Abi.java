package io.uffd4j.internal.ffm;

/**
 * Kernel ABI constants (uapi linux/userfaultfd.h, fs.h, mman.h, socket.h), written out here because
 * installed headers are often older than the running kernel.
 */
public final class Abi {
    private Abi() {}

    // userfaultfd creation
    public static final int UFFD_USER_MODE_ONLY = 1;
    public static final int O_CLOEXEC = 0x80000;
    public static final int O_NONBLOCK = 0x800;
    public static final int O_RDWR = 2;
    public static final int O_RDONLY = 0;
    public static final long USERFAULTFD_IOC_NEW = 0xAA00L;
    public static final long UFFD_API = 0xAA;

    // ioctl request values
    public static final long UFFDIO_API = 0xC018AA3FL;
    public static final long UFFDIO_REGISTER = 0xC020AA00L;
    public static final long UFFDIO_UNREGISTER = 0x8010AA01L;
    public static final long UFFDIO_WAKE = 0x8010AA02L;
    public static final long UFFDIO_COPY = 0xC028AA03L;
    public static final long UFFDIO_ZEROPAGE = 0xC020AA04L;
    public static final long UFFDIO_MOVE = 0xC028AA05L;
    public static final long UFFDIO_WRITEPROTECT = 0xC018AA06L;
    public static final long UFFDIO_CONTINUE = 0xC020AA07L;
    public static final long UFFDIO_POISON = 0xC020AA08L;

    // struct sizes and the output field of each resolving ioctl
    public static final int API_SIZE = 24;
    public static final int RANGE_SIZE = 16;
    public static final int REGISTER_SIZE = 32;
    public static final int REGISTER_IOCTLS = 24;
    public static final int COPY_SIZE = 40;
    public static final int COPY_OUT = 32;
    public static final int ZEROPAGE_SIZE = 32;
    public static final int ZEROPAGE_OUT = 24;
    public static final int MOVE_SIZE = 40;
    public static final int MOVE_OUT = 32;
    public static final int WRITEPROTECT_SIZE = 24;
    public static final int CONTINUE_SIZE = 32;
    public static final int CONTINUE_OUT = 24;
    public static final int POISON_SIZE = 32;
    public static final int POISON_OUT = 24;

    // uffd_msg
    public static final int MSG_SIZE = 32;
    public static final int EVENT_PAGEFAULT = 0x12;
    public static final int EVENT_FORK = 0x13;
    public static final int EVENT_REMAP = 0x14;
    public static final int EVENT_REMOVE = 0x15;
    public static final int EVENT_UNMAP = 0x16;
    public static final long PAGEFAULT_FLAG_WRITE = 1;
    public static final long PAGEFAULT_FLAG_WP = 2;
    public static final long PAGEFAULT_FLAG_MINOR = 4;

    // mmap / mremap / madvise
    public static final int PROT_NONE = 0;
    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;
    public static final int MAP_SHARED = 0x01;
    public static final int MAP_PRIVATE = 0x02;
    public static final int MAP_FIXED = 0x10;
    public static final int MAP_ANONYMOUS = 0x20;
    public static final int MAP_NORESERVE = 0x4000;
    public static final int MAP_POPULATE = 0x8000;
    public static final int MAP_HUGETLB = 0x40000;
    public static final int MAP_FIXED_NOREPLACE = 0x100000;
    public static final int MAP_HUGE_SHIFT = 26;
    public static final int MREMAP_MAYMOVE = 1;
    public static final int MREMAP_FIXED = 2;
    public static final int MREMAP_DONTUNMAP = 4;
    public static final int MFD_CLOEXEC = 1;
    public static final int MFD_HUGETLB = 4;
    public static final int F_GETFL = 3;
    public static final int F_SETFL = 4;
    public static final int FALLOC_FL_KEEP_SIZE = 1;
    public static final int FALLOC_FL_PUNCH_HOLE = 2;

    // eventfd / poll
    public static final int EFD_CLOEXEC = 0x80000;
    public static final int EFD_NONBLOCK = 0x800;
    public static final short POLLIN = 0x1;
    public static final short POLLERR = 0x8;
    public static final short POLLHUP = 0x10;
    public static final short POLLNVAL = 0x20;

    // sockets
    public static final int AF_UNIX = 1;
    public static final int SOCK_STREAM = 1;
    public static final int SOCK_SEQPACKET = 5;
    public static final int SOCK_CLOEXEC = 0x80000;
    public static final int SOL_SOCKET = 1;
    public static final int SCM_RIGHTS = 1;
    public static final int SO_PEERCRED = 17;
    public static final int MSG_CMSG_CLOEXEC = 0x40000000;
    public static final int MSG_NOSIGNAL = 0x4000;
    public static final int MSG_CTRUNC = 0x8;
    public static final int SHUT_RDWR = 2;
    public static final int SOCKADDR_UN_SIZE = 110;
    public static final int SUN_PATH_MAX = 107;
    public static final int MSGHDR_SIZE = 56;

    // pagemap
    public static final long PAGEMAP_SCAN = 0xC0606610L;
    public static final int PM_SCAN_ARG_SIZE = 96;
    public static final int PAGE_REGION_SIZE = 24;
    public static final long PM_SCAN_WP_MATCHING = 1;
    public static final long PM_SCAN_CHECK_WPASYNC = 2;

    // prctl
    public static final int PR_SET_PDEATHSIG = 1;
}
