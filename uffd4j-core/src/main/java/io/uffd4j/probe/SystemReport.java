package io.uffd4j.probe;

import io.uffd4j.mm.PageSizes.HugeTlbPool;
import io.uffd4j.probe.ProbeFacts.DeviceNode;
import io.uffd4j.probe.ProbeFacts.Thp;

import java.util.List;

/**
 * What this machine offers userfaultfd, for this process and for a non-root user, and what to change
 * where something is missing. Made by {@link SystemProbe#report()}; every part is a plain record so
 * that tools can print it or serialise it as is.
 *
 * @param platform           kernel, architecture, JVM
 * @param identity           who this process is
 * @param featuresProbed     whether UFFDIO_API could be asked (if not, no feature counts as supported)
 * @param features           every feature uffd4j knows, supported or not
 * @param unknownFeatureBits feature bits the kernel offers that uffd4j has no name for
 * @param creation           how a userfaultfd can be created, by this process and by a non-root user
 * @param hugePages          THP and hugetlb
 * @param findings           what is missing or worth knowing, each with what to change
 * @param probeErrors        what could not be probed, and why
 */
public record SystemReport(Platform platform, IdentityInfo identity, boolean featuresProbed, List<FeatureEntry> features,
                           List<Integer> unknownFeatureBits, Creation creation, HugePages hugePages,
                           List<Finding> findings, List<String> probeErrors) {

    public SystemReport {
        features = List.copyOf(features);
        unknownFeatureBits = List.copyOf(unknownFeatureBits);
        findings = List.copyOf(findings);
        probeErrors = List.copyOf(probeErrors);
    }

    /** Kernel and JVM. */
    public record Platform(String kernelRelease, String kernelVersion, String arch, long pageSize,
                           String javaVersion, String javaVendor, boolean nativeAccessEnabled) {}

    /**
     * This process's identity as far as userfaultfd cares.
     *
     * @param capEff effective capabilities, hex as in /proc/self/status
     */
    public record IdentityInfo(int euid, boolean root, boolean capSysPtrace, String capEff, List<Integer> groups,
                               int seccompMode, boolean noNewPrivs) {
        public IdentityInfo {
            groups = List.copyOf(groups);
        }
    }

    /** One userfaultfd feature. */
    public record FeatureEntry(String name, String kernelName, int bit, boolean supported, String since,
                               String description) {}

    /**
     * How a userfaultfd can be created.
     *
     * @param unprivilegedUserfaultfd vm.unprivileged_userfaultfd (null: the sysctl does not exist)
     * @param device                  the /dev/userfaultfd node
     * @param thisProcess             what this process can do (measured)
     * @param nonRootUser             what a non-root user without capabilities gets (derived from the settings)
     */
    public record Creation(Integer unprivilegedUserfaultfd, DeviceNode device, Subject thisProcess,
                           Subject nonRootUser) {}

    /**
     * What one kind of process can do.
     *
     * @param who          who this describes
     * @param routes       each way of creating a descriptor, allowed or not
     * @param capability   the best descriptor it can get
     * @param consequences what that means for uffd4j
     */
    public record Subject(String who, List<RouteAccess> routes, Capability capability, String consequences) {
        public Subject {
            routes = List.copyOf(routes);
        }

        public RouteAccess route(Route route) {
            for (RouteAccess r : routes) {
                if (r.route() == route) {
                    return r;
                }
            }
            throw new IllegalArgumentException("no route " + route);
        }
    }

    /** A way of creating a userfaultfd. */
    public enum Route {
        /** userfaultfd(2) asking to handle kernel- and user-mode faults. */
        SYSCALL("userfaultfd(2)"),
        /** userfaultfd(2) with UFFD_USER_MODE_ONLY (Linux 5.11). */
        SYSCALL_USER_MODE_ONLY("userfaultfd(2) user-mode-only"),
        /** open /dev/userfaultfd + USERFAULTFD_IOC_NEW (Linux 6.1). */
        DEVICE("/dev/userfaultfd");

        private final String label;

        Route(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** Whether a route is open. */
    public enum Access {
        ALLOWED,
        /** Allowed only for members of the device's group. */
        GROUP_MEMBERS_ONLY,
        REFUSED,
        /** The kernel does not have it. */
        NOT_AVAILABLE,
        UNKNOWN
    }

    /** One route, with why it is open or closed. */
    public record RouteAccess(Route route, Access access, String detail) {}

    /** The best descriptor a process can get. */
    public enum Capability {
        /** Kernel- and user-mode faults: everything uffd4j does. */
        KERNEL_AND_USER_FAULTS,
        /** UFFD_USER_MODE_ONLY: faults taken by the kernel on the process's behalf are not reported. */
        USER_FAULTS_ONLY,
        /** No userfaultfd at all. */
        NONE,
        /** Could not be probed (e.g. no native access). */
        UNKNOWN
    }

    /**
     * Transparent huge pages and hugetlb.
     *
     * @param thp         THP settings
     * @param thpVerdict  what they mean for uffd4j
     * @param pools       hugetlb pools
     * @param hugetlbfsMounts hugetlbfs mount points
     * @param hugetlbVerdict  what the pools mean for uffd4j
     */
    public record HugePages(Thp thp, String thpVerdict, List<HugeTlbPool> pools, List<String> hugetlbfsMounts,
                            String hugetlbVerdict) {
        public HugePages {
            pools = List.copyOf(pools);
            hugetlbfsMounts = List.copyOf(hugetlbfsMounts);
        }
    }

    /** How much a finding matters. */
    public enum Severity {
        /** Worth knowing; nothing is broken. */
        INFO,
        /** Part of uffd4j is unavailable. */
        WARN,
        /** uffd4j cannot work. */
        FAIL
    }

    /** Whom a finding concerns. */
    public enum Audience {
        THIS_PROCESS,
        NON_ROOT_USER,
        EVERYONE
    }

    /**
     * Something missing or worth knowing.
     *
     * @param id       stable identifier, e.g. {@code nonroot-user-mode-only}
     * @param severity how much it matters
     * @param audience whom it concerns
     * @param problem  what is the matter, and what it costs
     * @param changes  what to change, most direct first (commands or API choices)
     */
    public record Finding(String id, Severity severity, Audience audience, String problem, List<String> changes) {
        public Finding {
            changes = List.copyOf(changes);
        }
    }

    public Finding finding(String id) {
        for (Finding f : findings) {
            if (f.id().equals(id)) {
                return f;
            }
        }
        return null;
    }

    /** Whether anything stops uffd4j from working in this process. */
    public boolean failsHere() {
        for (Finding f : findings) {
            if (f.severity() == Severity.FAIL && f.audience() != Audience.NON_ROOT_USER) {
                return true;
            }
        }
        return false;
    }
}
