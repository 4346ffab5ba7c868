package io.uffd4j.internal.ffm;

/** The few numbers that differ between the 64-bit Linux architectures uffd4j runs on. */
public enum Arch {
    X86_64(323),
    AARCH64(282),
    RISCV64(282);

    private final long userfaultfdSyscall;

    Arch(long userfaultfdSyscall) {
        this.userfaultfdSyscall = userfaultfdSyscall;
    }

    public long userfaultfdSyscall() {
        return userfaultfdSyscall;
    }

    private static final Arch CURRENT = detect();

    public static Arch current() {
        return CURRENT;
    }

    private static Arch detect() {
        String os = System.getProperty("os.name", "");
        String arch = System.getProperty("os.arch", "");
        if (!os.equals("Linux")) {
            throw new UnsupportedOperationException("userfaultfd exists only on Linux; this is " + os);
        }
        return switch (arch) {
            case "amd64", "x86_64" -> X86_64;
            case "aarch64", "arm64" -> AARCH64;
            case "riscv64" -> RISCV64;
            default -> throw new UnsupportedOperationException(
                    "uffd4j supports x86-64, arm64 and riscv64 Linux; this is " + arch);
        };
    }
}
