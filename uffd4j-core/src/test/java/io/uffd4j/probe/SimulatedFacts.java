package io.uffd4j.probe;

import io.uffd4j.Feature;
import io.uffd4j.mm.PageSizes.HugeTlbPool;
import io.uffd4j.probe.ProbeFacts.Attempt;
import io.uffd4j.probe.ProbeFacts.DeviceNode;
import io.uffd4j.probe.ProbeFacts.Identity;
import io.uffd4j.probe.ProbeFacts.Thp;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Builds {@link ProbeFacts} of a simulated machine. Defaults: a current kernel with every feature, root
 * with CAP_SYS_PTRACE, vm.unprivileged_userfaultfd=0, /dev/userfaultfd 0600 root:root, THP madvise,
 * an empty 2 MiB and 1 GiB hugetlb pool.
 */
final class SimulatedFacts {
    static final long ALL_CAPS = 0x000001fffeffffffL;

    String kernel = "6.18.0";
    boolean nativeAccess = true;
    Identity identity = new Identity(0, 0, List.of(), ALL_CAPS, 0, false);
    Integer sysctl = 0;
    DeviceNode device = new DeviceNode(true, "rw-------", 0600, "root", "root", 0, 0);
    Attempt syscall = Attempt.succeeded();
    Attempt userMode = Attempt.succeeded();
    Attempt deviceOpen = Attempt.succeeded();
    Set<Feature> features = EnumSet.allOf(Feature.class);
    long unknownBits;
    boolean featuresProbed = true;
    Thp thp = new Thp(true, "madvise", "madvise", 2 << 20);
    List<HugeTlbPool> pools = new ArrayList<>(List.of(new HugeTlbPool(2 << 20, 0, 0, 0), new HugeTlbPool(1L << 30, 0, 0, 0)));
    boolean poolsProbed = true;
    List<String> mounts = List.of();

    /** An ordinary user (uid 1000) without capabilities, refused as the kernel refuses it under {@link #sysctl}. */
    SimulatedFacts asNonRoot() {
        identity = new Identity(1000, 1000, List.of(1000), 0, 0, false);
        if (!Integer.valueOf(1).equals(sysctl)) {
            syscall = Attempt.failed("EPERM", "userfaultfd(2) failed: EPERM");
        }
        deviceOpen = device.exists() && !device.otherReadWrite() ? Attempt.failed("EACCES", "open failed: EACCES")
                : deviceOpen;
        return this;
    }

    SimulatedFacts device(int mode, String group, int gid) {
        device = new DeviceNode(true, java.nio.file.attribute.PosixFilePermissions.toString(
                java.nio.file.attribute.PosixFilePermissions.fromString(rwx(mode))), mode, "root", group, 0, gid);
        return this;
    }

    SimulatedFacts noDevice() {
        device = DeviceNode.absent();
        deviceOpen = Attempt.notTried(SystemProbe.DEVICE + " does not exist");
        return this;
    }

    static String rwx(int mode) {
        StringBuilder s = new StringBuilder();
        for (int shift = 6; shift >= 0; shift -= 3) {
            int b = (mode >> shift) & 7;
            s.append((b & 4) != 0 ? 'r' : '-').append((b & 2) != 0 ? 'w' : '-').append((b & 1) != 0 ? 'x' : '-');
        }
        return s.toString();
    }

    ProbeFacts facts() {
        return new ProbeFacts(kernel, "x86_64", 4096, "25", "test", nativeAccess, identity, sysctl, device,
                syscall, userMode, deviceOpen, features, unknownBits, featuresProbed, thp, pools, poolsProbed, mounts, List.of());
    }

    SystemReport judge() {
        return Diagnosis.judge(facts());
    }
}
