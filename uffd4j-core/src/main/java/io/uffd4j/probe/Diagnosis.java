package io.uffd4j.probe;

import io.uffd4j.Feature;
import io.uffd4j.mm.PageSizes.HugeTlbPool;
import io.uffd4j.probe.ProbeFacts.Attempt;
import io.uffd4j.probe.ProbeFacts.DeviceNode;
import io.uffd4j.probe.ProbeFacts.Identity;
import io.uffd4j.probe.ProbeFacts.Thp;
import io.uffd4j.probe.SystemReport.Access;
import io.uffd4j.probe.SystemReport.Audience;
import io.uffd4j.probe.SystemReport.Capability;
import io.uffd4j.probe.SystemReport.Creation;
import io.uffd4j.probe.SystemReport.FeatureEntry;
import io.uffd4j.probe.SystemReport.Finding;
import io.uffd4j.probe.SystemReport.HugePages;
import io.uffd4j.probe.SystemReport.IdentityInfo;
import io.uffd4j.probe.SystemReport.Platform;
import io.uffd4j.probe.SystemReport.Route;
import io.uffd4j.probe.SystemReport.RouteAccess;
import io.uffd4j.probe.SystemReport.Severity;
import io.uffd4j.probe.SystemReport.Subject;

import java.util.ArrayList;
import java.util.List;

/**
 * Judges {@link ProbeFacts}: what this process can do, what a non-root user would get under the same
 * settings, and for everything missing, what to change. A pure function of the facts (no I/O), so that
 * every judgement can be tested by simulating the facts of another machine.
 *
 * <p>The kernel rules it encodes (fs/userfaultfd.c): userfaultfd(2) is refused with EPERM unless the
 * caller asks for UFFD_USER_MODE_ONLY (Linux 5.11), has CAP_SYS_PTRACE, or vm.unprivileged_userfaultfd
 * is 1 (the sysctl appeared in 5.2 defaulting to 1; 5.11 changed the default to 0). /dev/userfaultfd
 * (6.1) ignores the sysctl: its file permissions decide, and its descriptors handle kernel-mode faults.
 * UFFD_FEATURE_EVENT_FORK needs CAP_SYS_PTRACE.
 */
public final class Diagnosis {
    private Diagnosis() {}

    static final String FULL_CONSEQUENCES = "everything: FaultServer with GuardedMemory CHECKED or DIRECT, "
            + "populate(), process_vm_readv-based access, the out-of-process pager";
    static final String USER_ONLY_CONSEQUENCES = "user-mode faults only: GuardedMemory DIRECT and the "
            + "out-of-process pager work; faults the kernel takes on the process's behalf (GuardedMemory CHECKED "
            + "via process_vm_readv/writev, populate() via MADV_POPULATE, read(2)/write(2) into a served range) "
            + "fail with EFAULT instead of being served";
    static final String NONE_CONSEQUENCES = "uffd4j cannot run: no userfaultfd can be created";
    static final String USER_ONLY_COST = "kernel-mode faults are not reported, so GuardedMemory CHECKED, populate() "
            + "and system calls into served ranges fail with EFAULT; GuardedMemory DIRECT and the out-of-process "
            + "pager work";

    static final String SYSCTL_CHANGE = "sysctl -w vm.unprivileged_userfaultfd=1   (persist: echo "
            + "vm.unprivileged_userfaultfd=1 > /etc/sysctl.d/60-userfaultfd.conf; lets every user handle "
            + "kernel-mode faults)";
    static final String DEVICE_GROUP_CHANGE = "groupadd -f userfaultfd && chgrp userfaultfd /dev/userfaultfd "
            + "&& chmod 0660 /dev/userfaultfd && usermod -aG userfaultfd USER   (chmod/chgrp /dev/userfaultfd and "
            + "add the user to that group; persist with a udev rule: KERNEL==\"userfaultfd\", "
            + "GROUP=\"userfaultfd\", MODE=\"0660\" in /etc/udev/rules.d/60-userfaultfd.rules; the user logs in again)";
    static final String USER_MODE_CHANGE = "or accept user-mode-only: create descriptors with "
            + "Userfaultfd.builder().userModeOnly(true) — then kernel-mode faults are not reported, so GuardedMemory "
            + "CHECKED mode and process_vm_readv-based access cannot be served (FaultServer then picks DIRECT)";
    static final String THP_CHANGE = "echo madvise > /sys/kernel/mm/transparent_hugepage/enabled   (madvise is "
            + "enough: uffd4j madvises MADV_HUGEPAGE on the ranges that want huge pages)";

    public static SystemReport judge(ProbeFacts f) {
        KernelVersion kernel = KernelVersion.parse(f.kernelRelease());
        Identity id = f.identity();
        List<Finding> findings = new ArrayList<>();

        Platform platform = new Platform(f.kernelRelease(), kernel.toString(), f.arch(), f.pageSize(),
                f.javaVersion(), f.javaVendor(), f.nativeAccessEnabled());
        IdentityInfo identity = new IdentityInfo(id.euid(), id.root(), id.hasCapSysPtrace(),
                String.format("%016x", id.capEff()), id.groups(), id.seccomp(), id.noNewPrivs());

        Subject self = thisProcess(f, kernel);
        Subject nonRoot = nonRootUser(f, kernel);
        Creation creation = new Creation(f.unprivilegedUserfaultfd(), f.device(), self, nonRoot);

        if (!f.nativeAccessEnabled()) {
            findings.add(new Finding("native-access", Severity.FAIL, Audience.THIS_PROCESS,
                    "module io.uffd4j.core has no native access, so uffd4j cannot make system calls",
                    List.of("run java with --enable-native-access=io.uffd4j.core (./uffd4j does)")));
        } else {
            judgeThisProcess(f, kernel, self, findings);
        }
        boolean privileged = id.root() || id.hasCapSysPtrace() || id.euid() < 0;
        if (privileged) {
            judgeNonRoot(f, kernel, nonRoot, findings);
        }
        judgeSysctlOpen(f, findings);
        judgeFork(f, privileged, findings);

        List<FeatureEntry> features = new ArrayList<>();
        for (Feature feature : Feature.values()) {
            features.add(new FeatureEntry(feature.name(), feature.kernelName(), feature.bit(),
                    f.supportedFeatures().contains(feature), feature.since(), feature.description()));
        }
        List<Integer> unknownBits = new ArrayList<>();
        for (int bit = 0; bit < 64; bit++) {
            if ((f.unknownFeatureBits() & (1L << bit)) != 0) {
                unknownBits.add(bit);
            }
        }
        judgeFeatures(f, kernel, unknownBits, findings);

        HugePages huge = new HugePages(f.thp(), thpVerdict(f.thp()), f.hugeTlbPools(), f.hugetlbfsMounts(),
                f.hugeTlbPoolsProbed() ? hugetlbVerdict(f.hugeTlbPools(), f.hugetlbfsMounts()) : "not probed");
        judgeHugePages(f, findings);

        return new SystemReport(platform, identity, f.featuresProbed(), features, unknownBits, creation, huge, findings, f.errors());
    }

    // ---- creation --------------------------------------------------------------------------------

    private static Subject thisProcess(ProbeFacts f, KernelVersion kernel) {
        Identity id = f.identity();
        List<RouteAccess> routes = new ArrayList<>();
        routes.add(measured(Route.SYSCALL, f.syscall(), syscallWhy(f)));
        routes.add(measured(Route.SYSCALL_USER_MODE_ONLY, f.syscallUserModeOnly(),
                "user-mode-only descriptors are open to every process"));
        routes.add(f.device().exists() ? measured(Route.DEVICE, f.deviceOpen(), f.device().describe())
                : deviceAbsent(kernel));
        for (int i = 0; i < routes.size(); i++) {
            routes.set(i, explainRefusal(routes.get(i), f, kernel));
        }
        String who = "this process (uid " + (id.euid() < 0 ? "unknown" : id.euid())
                + (id.root() ? ", root" : "") + (id.hasCapSysPtrace() ? ", CAP_SYS_PTRACE" : ", no CAP_SYS_PTRACE") + ")";
        return subject(who, routes);
    }

    private static String syscallWhy(ProbeFacts f) {
        if (f.identity().hasCapSysPtrace()) {
            return "CAP_SYS_PTRACE";
        }
        Integer s = f.unprivilegedUserfaultfd();
        return s != null && s == 1 ? "vm.unprivileged_userfaultfd=1" : "allowed";
    }

    private static RouteAccess measured(Route route, Attempt a, String whyAllowed) {
        return switch (a.outcome()) {
            case SUCCEEDED -> new RouteAccess(route, Access.ALLOWED, whyAllowed);
            case NOT_TRIED -> new RouteAccess(route, Access.UNKNOWN, a.message());
            case FAILED -> new RouteAccess(route, Access.REFUSED, a.brief());
        };
    }

    /** Turns the errno of a refused route into the reason, in the terms of the settings that decide it. */
    private static RouteAccess explainRefusal(RouteAccess r, ProbeFacts f, KernelVersion kernel) {
        if (r.access() != Access.REFUSED) {
            return r;
        }
        Attempt a = switch (r.route()) {
            case SYSCALL -> f.syscall();
            case SYSCALL_USER_MODE_ONLY -> f.syscallUserModeOnly();
            case DEVICE -> f.deviceOpen();
        };
        String errno = a.brief();
        boolean seccomp = f.identity().seccomp() == 2;
        if (a.failedWith("ENOSYS")) {
            return new RouteAccess(r.route(), Access.NOT_AVAILABLE, "ENOSYS: the kernel has no userfaultfd"
                    + (seccomp ? " (or a seccomp filter hides it)" : ""));
        }
        if (r.route() == Route.SYSCALL_USER_MODE_ONLY && a.failedWith("EINVAL")) {
            return new RouteAccess(r.route(), Access.NOT_AVAILABLE, "EINVAL: UFFD_USER_MODE_ONLY needs Linux 5.11");
        }
        if (a.failedWith("EPERM") || a.failedWith("EACCES")) {
            return switch (r.route()) {
                case SYSCALL -> new RouteAccess(r.route(), Access.REFUSED, errno + ": "
                        + (!f.identity().hasCapSysPtrace() && Integer.valueOf(0).equals(f.unprivilegedUserfaultfd())
                        ? "no CAP_SYS_PTRACE and vm.unprivileged_userfaultfd=0"
                        : seccomp ? "a seccomp filter refuses it" : "refused"));
                case SYSCALL_USER_MODE_ONLY -> new RouteAccess(r.route(), Access.REFUSED, errno + ": "
                        + (seccomp ? "a seccomp filter refuses it"
                        : !kernel.atLeast("5.11") ? "Linux " + kernel + " predates UFFD_USER_MODE_ONLY (5.11)" : "refused"));
                case DEVICE -> new RouteAccess(r.route(), Access.REFUSED, errno + ": " + f.device().describe());
            };
        }
        return new RouteAccess(r.route(), Access.REFUSED, a.message() != null ? errno + ": " + a.message() : errno);
    }

    /** What a user without capabilities and outside the device's group gets under these settings. */
    private static Subject nonRootUser(ProbeFacts f, KernelVersion kernel) {
        boolean noUffd = f.syscall().failedWith("ENOSYS") && f.syscallUserModeOnly().failedWith("ENOSYS");
        List<RouteAccess> routes = new ArrayList<>();
        Integer s = f.unprivilegedUserfaultfd();
        if (noUffd) {
            routes.add(new RouteAccess(Route.SYSCALL, Access.NOT_AVAILABLE, "ENOSYS: the kernel has no userfaultfd"));
        } else if (s != null && s == 1) {
            routes.add(new RouteAccess(Route.SYSCALL, Access.ALLOWED, "vm.unprivileged_userfaultfd=1"));
        } else if (s != null) {
            routes.add(new RouteAccess(Route.SYSCALL, Access.REFUSED, "EPERM: vm.unprivileged_userfaultfd=" + s
                    + " and no CAP_SYS_PTRACE"));
        } else if (kernel.known() && !kernel.atLeast("5.2")) {
            routes.add(new RouteAccess(Route.SYSCALL, Access.ALLOWED, "Linux " + kernel
                    + " predates vm.unprivileged_userfaultfd: every user may"));
        } else {
            routes.add(new RouteAccess(Route.SYSCALL, Access.UNKNOWN, "vm.unprivileged_userfaultfd is not readable"));
        }

        if (noUffd) {
            routes.add(new RouteAccess(Route.SYSCALL_USER_MODE_ONLY, Access.NOT_AVAILABLE, "ENOSYS"));
        } else if (kernel.known() && !kernel.atLeast("5.11")) {
            routes.add(new RouteAccess(Route.SYSCALL_USER_MODE_ONLY, Access.NOT_AVAILABLE,
                    "UFFD_USER_MODE_ONLY needs Linux 5.11 (running " + kernel + ")"));
        } else if (f.syscallUserModeOnly().outcome() == Attempt.Outcome.FAILED) {
            // Whatever refused this process (a seccomp filter, a container) refuses a non-root user too.
            routes.add(new RouteAccess(Route.SYSCALL_USER_MODE_ONLY, Access.REFUSED,
                    "refused here as well (" + f.syscallUserModeOnly().brief() + ")"));
        } else {
            routes.add(new RouteAccess(Route.SYSCALL_USER_MODE_ONLY, Access.ALLOWED,
                    "open to every user since Linux 5.11"));
        }

        DeviceNode d = f.device();
        if (!d.exists()) {
            routes.add(deviceAbsent(kernel));
        } else if (d.otherReadWrite()) {
            routes.add(new RouteAccess(Route.DEVICE, Access.ALLOWED, "open to every user: " + d.describe()));
        } else if (d.groupReadWrite()) {
            routes.add(new RouteAccess(Route.DEVICE, Access.GROUP_MEMBERS_ONLY,
                    "members of group " + d.group() + " only: " + d.describe()));
        } else if (d.ownerReadWrite() && d.uid() > 0) {
            routes.add(new RouteAccess(Route.DEVICE, Access.REFUSED, "user " + d.owner() + " only: " + d.describe()));
        } else {
            routes.add(new RouteAccess(Route.DEVICE, Access.REFUSED, "root only: " + d.describe()));
        }
        String who = "a non-root user (no CAP_SYS_PTRACE, not in group " + (d.exists() ? d.group() : "of /dev/userfaultfd")
                + ")";
        return subject(who, routes);
    }

    private static RouteAccess deviceAbsent(KernelVersion kernel) {
        return new RouteAccess(Route.DEVICE, Access.NOT_AVAILABLE, kernel.atLeast("6.1")
                ? "absent (this /dev does not have it, e.g. in a container)" : "absent (needs Linux 6.1)");
    }

    private static Subject subject(String who, List<RouteAccess> routes) {
        boolean full = false, user = false, unknown = true;
        for (RouteAccess r : routes) {
            unknown &= r.access() == Access.UNKNOWN;
            if (r.access() == Access.ALLOWED) {
                full |= r.route() != Route.SYSCALL_USER_MODE_ONLY;
                user = true;
            }
        }
        Capability c = full ? Capability.KERNEL_AND_USER_FAULTS : user ? Capability.USER_FAULTS_ONLY
                : unknown ? Capability.UNKNOWN : Capability.NONE;
        String consequences = switch (c) {
            case KERNEL_AND_USER_FAULTS -> FULL_CONSEQUENCES;
            case USER_FAULTS_ONLY -> USER_ONLY_CONSEQUENCES;
            case NONE -> NONE_CONSEQUENCES;
            case UNKNOWN -> "not probed";
        };
        return new Subject(who, routes, c, consequences);
    }

    private static void judgeThisProcess(ProbeFacts f, KernelVersion kernel, Subject self, List<Finding> out) {
        Identity id = f.identity();
        boolean seccompBlocks = id.seccomp() == 2 && (
                (f.syscallUserModeOnly().failedWith("EPERM") || f.syscallUserModeOnly().failedWith("ENOSYS"))
                        && kernel.atLeast("5.11")
                || f.syscall().failedWith("EPERM") && id.hasCapSysPtrace());
        if (seccompBlocks) {
            out.add(new Finding("seccomp", self.capability() == Capability.NONE ? Severity.FAIL : Severity.WARN,
                    Audience.THIS_PROCESS, "a seccomp filter (a container runtime's default profile does this) "
                    + "refuses userfaultfd(2) for this process although the kernel would allow it",
                    List.of("run the container with a seccomp profile that allows the userfaultfd system call "
                            + "(docker/podman: --security-opt seccomp=PROFILE.json)",
                            "or expose /dev/userfaultfd to the container (--device /dev/userfaultfd) and let the "
                            + "user open it")));
        }
        switch (self.capability()) {
            case NONE -> {
                List<String> changes = new ArrayList<>();
                if (f.syscall().failedWith("ENOSYS") && !seccompBlocks) {
                    changes.add("use a kernel built with CONFIG_USERFAULTFD=y (every mainstream distribution kernel has it)");
                } else {
                    changes.addAll(fullAccessChanges(f, kernel, id));
                    if (!kernel.atLeast("5.11")) {
                        changes.add("or upgrade to Linux >= 5.11, where user-mode-only descriptors are open to every user");
                    }
                }
                out.add(new Finding("no-userfaultfd", Severity.FAIL, Audience.THIS_PROCESS,
                        "this process cannot create any userfaultfd (" + refusals(self) + ")", changes));
            }
            case USER_FAULTS_ONLY -> {
                List<String> changes = new ArrayList<>(fullAccessChanges(f, kernel, id));
                changes.add(USER_MODE_CHANGE);
                out.add(new Finding("user-mode-only", Severity.WARN, Audience.THIS_PROCESS,
                        "this process can only create user-mode-only descriptors (" + refusals(self) + "): "
                                + USER_ONLY_COST, changes));
            }
            case KERNEL_AND_USER_FAULTS, UNKNOWN -> { }
        }
    }

    /** How a process without CAP_SYS_PTRACE gets a descriptor that handles kernel-mode faults. */
    private static List<String> fullAccessChanges(ProbeFacts f, KernelVersion kernel, Identity id) {
        List<String> changes = new ArrayList<>();
        DeviceNode d = f.device();
        if (d.exists() && d.groupReadWrite() && d.gid() != 0 && !(id.euid() >= 0 && id.inGroup(d.gid()))) {
            changes.add("usermod -aG " + d.group() + " USER   (members of group " + d.group()
                    + " may open /dev/userfaultfd, which handles kernel-mode faults; the user logs in again)");
        } else if (d.exists() || kernel.atLeast("6.1")) {
            changes.add(DEVICE_GROUP_CHANGE);
        }
        if (!Integer.valueOf(1).equals(f.unprivilegedUserfaultfd())) {
            changes.add(SYSCTL_CHANGE);
        }
        return changes;
    }

    /** The routes that are closed, with why: "userfaultfd(2): EPERM: ...; /dev/userfaultfd: root only: ...". */
    private static String refusals(Subject s) {
        List<String> parts = new ArrayList<>();
        for (RouteAccess r : s.routes()) {
            if (r.access() != Access.ALLOWED) {
                parts.add(r.route().label() + ": " + (r.detail() != null ? r.detail()
                        : r.access().name().toLowerCase().replace('_', ' ')));
            }
        }
        return String.join("; ", parts);
    }

    private static void judgeNonRoot(ProbeFacts f, KernelVersion kernel, Subject nonRoot, List<Finding> out) {
        DeviceNode d = f.device();
        RouteAccess device = nonRoot.route(Route.DEVICE);
        if (device.access() == Access.GROUP_MEMBERS_ONLY) {
            out.add(new Finding("nonroot-device-group", Severity.INFO, Audience.NON_ROOT_USER,
                    "non-root members of group " + d.group() + " can open /dev/userfaultfd (" + d.describe()
                            + ") and get " + FULL_CONSEQUENCES,
                    List.of("usermod -aG " + d.group() + " USER   (the user logs in again)")));
        }
        Identity nobody = new Identity(-1, -1, List.of(), 0, f.identity().seccomp(), false);
        switch (nonRoot.capability()) {
            case USER_FAULTS_ONLY -> {
                List<String> changes = new ArrayList<>(fullAccessChanges(f, kernel, nobody));
                changes.add(USER_MODE_CHANGE);
                out.add(new Finding("nonroot-user-mode-only", Severity.WARN, Audience.NON_ROOT_USER,
                        "a non-root user gets only user-mode-only descriptors here (" + refusals(nonRoot) + "): "
                                + USER_ONLY_COST, changes));
            }
            case NONE -> {
                List<String> changes = new ArrayList<>(fullAccessChanges(f, kernel, nobody));
                if (!kernel.atLeast("5.11")) {
                    changes.add("or upgrade to Linux >= 5.11, where user-mode-only descriptors are open to every user");
                }
                out.add(new Finding("nonroot-no-userfaultfd", Severity.WARN, Audience.NON_ROOT_USER,
                        "a non-root user cannot create any userfaultfd here (" + refusals(nonRoot) + ")",
                        changes));
            }
            case KERNEL_AND_USER_FAULTS, UNKNOWN -> { }
        }
    }

    private static void judgeSysctlOpen(ProbeFacts f, List<Finding> out) {
        if (Integer.valueOf(1).equals(f.unprivilegedUserfaultfd())) {
            out.add(new Finding("unprivileged-sysctl-open", Severity.INFO, Audience.EVERYONE,
                    "vm.unprivileged_userfaultfd=1 lets every local user stall the kernel's accesses to its own "
                            + "memory for as long as it likes (the reason the default became 0 in Linux 5.11)",
                    List.of("if only some users need uffd4j: sysctl -w vm.unprivileged_userfaultfd=0 and give them "
                            + "/dev/userfaultfd through a group instead (" + DEVICE_GROUP_CHANGE + ")")));
        }
    }

    private static void judgeFork(ProbeFacts f, boolean privileged, List<Finding> out) {
        String what = "UFFD_FEATURE_EVENT_FORK needs CAP_SYS_PTRACE (UFFDIO_API refuses it with EPERM), so the "
                + "registered ranges of a fork()ed child are not tracked";
        if (!f.identity().hasCapSysPtrace() && f.identity().euid() >= 0) {
            out.add(new Finding("event-fork", Severity.INFO, Audience.THIS_PROCESS, "this process lacks CAP_SYS_PTRACE: "
                    + what, List.of("only FORK events need it; if you use them, run with CAP_SYS_PTRACE")));
        } else if (privileged) {
            out.add(new Finding("nonroot-event-fork", Severity.INFO, Audience.NON_ROOT_USER, "for a non-root user, "
                    + what, List.of("only FORK events need it; uffd4j's other components do not")));
        }
    }

    // ---- features --------------------------------------------------------------------------------

    private static void judgeFeatures(ProbeFacts f, KernelVersion kernel, List<Integer> unknownBits, List<Finding> out) {
        if (!f.featuresProbed()) {
            return;
        }
        List<String> missing = new ArrayList<>();
        KernelVersion newest = KernelVersion.UNKNOWN;
        for (Feature feature : Feature.values()) {
            if (!f.supportedFeatures().contains(feature)) {
                missing.add(feature.kernelName() + " (Linux " + feature.since() + ": " + feature.description() + ")");
                KernelVersion v = KernelVersion.parse(feature.since());
                if (v.compareTo(newest) > 0) {
                    newest = v;
                }
            }
        }
        if (!missing.isEmpty()) {
            String upgrade = kernel.known() && kernel.compareTo(newest) >= 0
                    ? "this kernel (" + f.kernelRelease() + ") is new enough but was built without them (check "
                      + "CONFIG_USERFAULTFD, CONFIG_HAVE_ARCH_USERFAULTFD_WP/MINOR, CONFIG_PTE_MARKER_UFFD_WP)"
                    : "upgrade to Linux >= " + newest + " (running " + kernel + ")";
            out.add(new Finding("features-missing", Severity.WARN, Audience.EVERYONE,
                    missing.size() + " userfaultfd feature" + (missing.size() == 1 ? " is" : "s are")
                            + " not available, and the components that need them will refuse to start: "
                            + String.join("; ", missing), List.of(upgrade)));
        }
        if (!unknownBits.isEmpty()) {
            out.add(new Finding("features-unknown", Severity.INFO, Audience.EVERYONE,
                    "the kernel offers feature bits this uffd4j does not know: " + unknownBits,
                    List.of("nothing to change; a newer uffd4j may use them")));
        }
    }

    // ---- huge pages ------------------------------------------------------------------------------

    static String thpVerdict(Thp thp) {
        if (!thp.present()) {
            return "not available: the kernel has no transparent huge pages";
        }
        return switch (thp.enabled() == null ? "" : thp.enabled()) {
            case "always" -> "ok: anonymous memory gets huge pages wherever possible";
            case "madvise" -> "ok: madvise is enough, uffd4j madvises MADV_HUGEPAGE where it wants huge pages";
            case "never" -> "off: no transparent huge pages, not even where uffd4j asks for them";
            default -> "unrecognised setting '" + thp.enabled() + "'";
        };
    }

    static String hugetlbVerdict(List<HugeTlbPool> pools, List<String> mounts) {
        if (pools.isEmpty()) {
            return "not available: the kernel has no hugetlb pools";
        }
        long pages = 0;
        for (HugeTlbPool p : pools) {
            pages += p.total();
        }
        String mount = mounts.isEmpty()
                ? "hugetlbfs not mounted (not needed: uffd4j maps hugetlb memory with MAP_HUGETLB and memfd_create(MFD_HUGETLB))"
                : "hugetlbfs mounted at " + String.join(", ", mounts);
        return (pages == 0 ? "empty pools: hugetlb mappings fail until pages are reserved" : "ok") + "; " + mount;
    }

    private static void judgeHugePages(ProbeFacts f, List<Finding> out) {
        Thp thp = f.thp();
        if (!thp.present()) {
            out.add(new Finding("thp-absent", Severity.INFO, Audience.EVERYONE,
                    "the kernel has no transparent huge pages: huge-page-sized moves and THP-backed regions are unavailable",
                    List.of("use a kernel built with CONFIG_TRANSPARENT_HUGEPAGE=y")));
        } else if ("never".equals(thp.enabled())) {
            out.add(new Finding("thp-never", Severity.WARN, Audience.EVERYONE,
                    "transparent huge pages are off (enabled=never): regions that ask for huge pages get 4 KiB pages",
                    List.of(THP_CHANGE + "; as root")));
        } else if ("never".equals(thp.defrag())) {
            out.add(new Finding("thp-defrag-never", Severity.INFO, Audience.EVERYONE,
                    "THP defrag=never: huge pages form only when free ones are at hand, never by compaction",
                    List.of("echo madvise > /sys/kernel/mm/transparent_hugepage/defrag   (compact for madvised regions only)")));
        }
        List<HugeTlbPool> pools = f.hugeTlbPools();
        if (!f.hugeTlbPoolsProbed()) {
            return;
        }
        if (pools.isEmpty()) {
            out.add(new Finding("hugetlb-absent", Severity.INFO, Audience.EVERYONE,
                    "the kernel has no hugetlb pools: hugetlb mappings and hugetlbfs faults are unavailable",
                    List.of("use a kernel built with CONFIG_HUGETLBFS=y")));
            return;
        }
        long total = 0;
        for (HugeTlbPool p : pools) {
            total += p.total();
        }
        if (total == 0) {
            HugeTlbPool smallest = pools.getFirst();
            long kib = smallest.pageSize() / 1024;
            long forOneGiB = Math.max(1, (1L << 30) / smallest.pageSize());
            out.add(new Finding("hugetlb-empty", Severity.INFO, Audience.EVERYONE,
                    "every hugetlb pool is empty: Mapping.hugetlb and Memfd.createHugetlb fail (ENOMEM) until pages "
                            + "are reserved; only root can reserve them, any user can then map them",
                    List.of("echo " + forOneGiB + " > /sys/kernel/mm/hugepages/hugepages-" + kib + "kB/nr_hugepages   (as root; "
                            + forOneGiB + " pages of " + human(smallest.pageSize()) + " = 1 GiB; persist: vm.nr_hugepages="
                            + forOneGiB + " in /etc/sysctl.d/)")));
        }
    }

    static String human(long bytes) {
        if (bytes >= 1L << 30 && bytes % (1L << 30) == 0) {
            return (bytes >> 30) + " GiB";
        }
        if (bytes >= 1L << 20 && bytes % (1L << 20) == 0) {
            return (bytes >> 20) + " MiB";
        }
        if (bytes >= 1L << 10 && bytes % (1L << 10) == 0) {
            return (bytes >> 10) + " KiB";
        }
        return bytes + " B";
    }
}
