package io.uffd4j.probe;

import io.uffd4j.CreationMethod;
import io.uffd4j.Feature;
import io.uffd4j.KernelSupport;
import io.uffd4j.Userfaultfd;
import io.uffd4j.error.UffdException;
import io.uffd4j.mm.PageSizes;
import io.uffd4j.mm.PageSizes.HugeTlbPool;
import io.uffd4j.probe.ProbeFacts.Attempt;
import io.uffd4j.probe.ProbeFacts.DeviceNode;
import io.uffd4j.probe.ProbeFacts.Identity;
import io.uffd4j.probe.ProbeFacts.Thp;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Looks at this machine and this process: kernel, identity, the ways of creating a userfaultfd (each one
 * actually tried), UFFDIO_API features, THP and hugetlb. Never throws: whatever cannot be probed becomes
 * an entry of {@link ProbeFacts#errors()}.
 *
 * <pre>{@code
 * SystemReport report = SystemProbe.report();
 * report.findings().forEach(f -> System.out.println(f.problem() + " -> " + f.changes()));
 * }</pre>
 */
public final class SystemProbe {
    private SystemProbe() {}

    static final Path DEVICE = Path.of("/dev/userfaultfd");
    private static final Path SYSCTL = Path.of("/proc/sys/vm/unprivileged_userfaultfd");
    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Path MOUNTS = Path.of("/proc/self/mounts");
    private static final Path THP = Path.of("/sys/kernel/mm/transparent_hugepage");

    /** Probes and judges: the full report. */
    public static SystemReport report() {
        return Diagnosis.judge(gather());
    }

    /** Probes without judging. */
    public static ProbeFacts gather() {
        List<String> errors = new ArrayList<>();
        boolean nativeAccess = safely(errors, "native access", () -> SystemProbe.class.getModule().isNativeAccessEnabled(), false);
        String noNative = "native access is not enabled for module io.uffd4j.core (--enable-native-access=io.uffd4j.core)";
        if (!nativeAccess) {
            errors.add(noNative);
        }

        String release = safely(errors, "kernel release", () -> readTrimmed(Path.of("/proc/sys/kernel/osrelease")),
                System.getProperty("os.version", "unknown"));
        String arch = safely(errors, "architecture", () -> {
            Path p = Path.of("/proc/sys/kernel/arch");
            return Files.exists(p) ? readTrimmed(p) : System.getProperty("os.arch", "unknown");
        }, System.getProperty("os.arch", "unknown"));
        long pageSize = nativeAccess ? safely(errors, "page size", PageSizes::base, 0L) : 0L;

        Identity identity = safely(errors, "process status (" + STATUS + ")", SystemProbe::readIdentity, Identity.unknown());
        Integer sysctl = safely(errors, "vm.unprivileged_userfaultfd", () -> Files.exists(SYSCTL)
                ? Integer.valueOf(Integer.parseInt(readTrimmed(SYSCTL))) : null, null);
        DeviceNode device = safely(errors, DEVICE.toString(), SystemProbe::readDevice, DeviceNode.absent());

        Attempt syscall = nativeAccess ? attempt(errors, CreationMethod.SYSCALL, false) : Attempt.notTried(noNative);
        Attempt userMode = nativeAccess ? attempt(errors, CreationMethod.SYSCALL, true) : Attempt.notTried(noNative);
        Attempt dev = !device.exists() ? Attempt.notTried(DEVICE + " does not exist")
                : nativeAccess ? attempt(errors, CreationMethod.DEVICE, false) : Attempt.notTried(noNative);

        Set<Feature> features = Set.of();
        long unknownBits = 0;
        boolean featuresProbed = false;
        if (nativeAccess && (syscall.ok() || userMode.ok() || dev.ok())) {
            KernelSupport k = safely(errors, "UFFDIO_API", KernelSupport::probe, null);
            if (k != null) {
                features = k.features();
                unknownBits = k.unknownFeatureBits();
                featuresProbed = true;
            }
        }

        Thp thp = safely(errors, "transparent huge pages", SystemProbe::readThp, Thp.absent());
        List<HugeTlbPool> pools = nativeAccess ? safely(errors, "hugetlb pools", PageSizes::hugeTlbPools, null) : null;
        List<String> mounts = safely(errors, "hugetlbfs mounts", SystemProbe::readHugetlbfsMounts, List.of());

        return new ProbeFacts(release, arch, pageSize, Runtime.version().toString(),
                System.getProperty("java.vendor", "unknown"), nativeAccess, identity, sysctl, device,
                syscall, userMode, dev, features, unknownBits, featuresProbed, thp, pools == null ? List.of() : pools,
                pools != null, mounts, errors);
    }

    /** Creates (and closes at once) a descriptor one way; never throws. */
    private static Attempt attempt(List<String> errors, CreationMethod method, boolean userModeOnly) {
        try (Userfaultfd u = Userfaultfd.builder().via(method).userModeOnly(userModeOnly).buildWithoutHandshake()) {
            return Attempt.succeeded();
        } catch (UffdException e) {
            return Attempt.failed(e.errno().name(), e.getMessage());
        } catch (RuntimeException | LinkageError e) {
            errors.add("creating a userfaultfd via " + method + (userModeOnly ? " (user-mode-only)" : "") + ": " + e);
            return Attempt.failed(null, e.toString());
        }
    }

    @FunctionalInterface
    private interface Probe<T> {
        T get() throws Exception;
    }

    private static <T> T safely(List<String> errors, String what, Probe<T> probe, T fallback) {
        try {
            return probe.get();
        } catch (Exception | LinkageError e) {
            errors.add(what + ": " + e);
            return fallback;
        }
    }

    private static String readTrimmed(Path p) throws IOException {
        return Files.readString(p).trim();
    }

    static Identity readIdentity() throws IOException {
        return parseStatus(Files.readAllLines(STATUS));
    }

    /** Parses the lines of /proc/self/status that matter here. */
    static Identity parseStatus(List<String> lines) {
        int euid = -1, egid = -1, seccomp = -1;
        long capEff = 0;
        boolean noNewPrivs = false;
        List<Integer> groups = new ArrayList<>();
        for (String line : lines) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String key = line.substring(0, colon);
            String[] v = line.substring(colon + 1).trim().split("\\s+");
            switch (key) {
                case "Uid" -> euid = v.length > 1 ? Integer.parseInt(v[1]) : -1;
                case "Gid" -> egid = v.length > 1 ? Integer.parseInt(v[1]) : -1;
                case "Groups" -> {
                    for (String g : v) {
                        if (!g.isEmpty()) {
                            groups.add(Integer.parseInt(g));
                        }
                    }
                }
                case "CapEff" -> capEff = Long.parseUnsignedLong(v[0], 16);
                case "Seccomp" -> seccomp = Integer.parseInt(v[0]);
                case "NoNewPrivs" -> noNewPrivs = "1".equals(v[0]);
                default -> { }
            }
        }
        return new Identity(euid, egid, groups, capEff, seccomp, noNewPrivs);
    }

    private static DeviceNode readDevice() throws IOException {
        if (!Files.exists(DEVICE, LinkOption.NOFOLLOW_LINKS)) {
            return DeviceNode.absent();
        }
        PosixFileAttributes a = Files.readAttributes(DEVICE, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        int mode = ((Integer) Files.getAttribute(DEVICE, "unix:mode", LinkOption.NOFOLLOW_LINKS)) & 07777;
        int uid = (Integer) Files.getAttribute(DEVICE, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        int gid = (Integer) Files.getAttribute(DEVICE, "unix:gid", LinkOption.NOFOLLOW_LINKS);
        return new DeviceNode(true, PosixFilePermissions.toString(a.permissions()), mode, a.owner().getName(),
                a.group().getName(), uid, gid);
    }

    private static Thp readThp() throws IOException {
        if (!Files.isDirectory(THP)) {
            return Thp.absent();
        }
        long pmd = 0;
        Path size = THP.resolve("hpage_pmd_size");
        if (Files.exists(size)) {
            pmd = Long.parseLong(readTrimmed(size));
        }
        return new Thp(true, selected(readTrimmed(THP.resolve("enabled"))),
                Files.exists(THP.resolve("defrag")) ? selected(readTrimmed(THP.resolve("defrag"))) : null, pmd);
    }

    /** The bracketed choice of a sysfs setting such as {@code always [madvise] never}. */
    static String selected(String setting) {
        int a = setting.indexOf('['), b = setting.indexOf(']');
        return a >= 0 && b > a ? setting.substring(a + 1, b) : setting.trim();
    }

    private static List<String> readHugetlbfsMounts() throws IOException {
        List<String> mounts = new ArrayList<>();
        for (String line : Files.readAllLines(MOUNTS)) {
            String[] f = line.split(" ");
            if (f.length > 3 && f[2].equals("hugetlbfs")) {
                mounts.add(f[1] + " (" + f[3] + ")");
            }
        }
        return mounts;
    }
}
