package io.uffd4j.cli;

import io.uffd4j.mm.PageSizes.HugeTlbPool;
import io.uffd4j.probe.ProbeFacts.Thp;
import io.uffd4j.probe.SystemReport;
import io.uffd4j.probe.SystemReport.Access;
import io.uffd4j.probe.SystemReport.Capability;
import io.uffd4j.probe.SystemReport.FeatureEntry;
import io.uffd4j.probe.SystemReport.Finding;
import io.uffd4j.probe.SystemReport.RouteAccess;
import io.uffd4j.probe.SystemReport.Severity;
import io.uffd4j.probe.SystemReport.Subject;

import java.util.ArrayList;
import java.util.List;

/** Renders a {@link SystemReport} for people: the full doctor report, or the short summary the demo starts with. */
final class DoctorPrinter {
    private final Printer p;

    DoctorPrinter(Printer p) {
        this.p = p;
    }

    void full(SystemReport r) {
        SystemReport.Platform pl = r.platform();
        SystemReport.IdentityInfo id = r.identity();
        p.heading("uffd4j doctor");
        p.field("kernel", pl.kernelRelease() + " (" + pl.arch() + ")"
                + (pl.pageSize() > 0 ? ", " + bytes(pl.pageSize()) + " pages" : ""));
        p.field("java", pl.javaVersion() + " (" + pl.javaVendor() + ")");
        p.status("native access", pl.nativeAccessEnabled() ? "enabled" : "DENIED",
                pl.nativeAccessEnabled() ? Printer.Color.GREEN : Printer.Color.RED,
                "for module io.uffd4j.core");
        p.field("effective uid", (id.euid() < 0 ? "unknown" : Integer.toString(id.euid())) + (id.root() ? " (root)" : "")
                + ", CAP_SYS_PTRACE " + (id.capSysPtrace() ? "yes" : "no") + " (CapEff " + id.capEff() + ")"
                + ", seccomp " + seccomp(id.seccompMode()) + (id.noNewPrivs() ? ", no_new_privs" : ""));
        SystemReport.Creation c = r.creation();
        p.field("vm.unprivileged_userfaultfd", c.unprivilegedUserfaultfd() == null
                ? "absent (kernel before 5.2, or /proc/sys not readable)"
                : c.unprivilegedUserfaultfd() + (c.unprivilegedUserfaultfd() == 1
                ? " (every user may handle kernel-mode faults)" : " (only CAP_SYS_PTRACE may handle kernel-mode faults by system call)"));
        p.field("/dev/userfaultfd", c.device().exists()
                ? "c" + c.device().permissions() + " " + c.device().owner() + ":" + c.device().group()
                + String.format(" (mode %04o)", c.device().mode())
                : "absent (needs Linux 6.1)");
        p.blank();

        subject(c.thisProcess());
        p.blank();
        subject(c.nonRootUser());
        p.blank();

        features(r);
        p.blank();

        hugePages(r.hugePages());
        p.blank();

        findings(r.findings());
        if (!r.probeErrors().isEmpty()) {
            p.blank();
            p.heading("Could not probe");
            for (String e : r.probeErrors()) {
                p.tagged("-", Printer.Color.DIM, e);
            }
        }
        p.flush();
    }

    private void subject(Subject s) {
        p.heading("Creating a userfaultfd: " + s.who());
        for (RouteAccess ra : s.routes()) {
            p.status(ra.route().label(), access(ra.access()), color(ra.access()), ra.detail());
        }
        p.status("gets", capability(s.capability()), color(s.capability()), s.consequences());
    }

    private void features(SystemReport r) {
        if (!r.featuresProbed()) {
            p.heading("Features (UFFDIO_API): not probed (no userfaultfd could be created)");
            return;
        }
        long supported = r.features().stream().filter(FeatureEntry::supported).count();
        p.heading("Features (UFFDIO_API): " + supported + " of " + r.features().size() + " supported"
                + (r.unknownFeatureBits().isEmpty() ? "" : ", plus unknown bits " + r.unknownFeatureBits()));
        for (FeatureEntry f : r.features()) {
            p.status(f.name(), f.supported() ? "yes" : "no", f.supported() ? Printer.Color.GREEN : Printer.Color.YELLOW,
                    "Linux " + f.since() + ": " + f.description());
        }
    }

    private void hugePages(SystemReport.HugePages h) {
        p.heading("Huge pages");
        Thp thp = h.thp();
        p.field("transparent huge pages", thp.present()
                ? "enabled=" + thp.enabled() + ", defrag=" + thp.defrag()
                + (thp.pmdSize() > 0 ? ", " + bytes(thp.pmdSize()) + " pages" : "") : "absent");
        p.field("", h.thpVerdict(), h.thpVerdict().startsWith("ok") ? null : Printer.Color.YELLOW);
        List<String> pools = new ArrayList<>();
        for (HugeTlbPool pool : h.pools()) {
            pools.add(bytes(pool.pageSize()) + ": " + pool.total() + " pages (" + pool.free() + " free, "
                    + pool.reserved() + " reserved)");
        }
        p.field("hugetlb pools", h.hugetlbVerdict().equals("not probed") ? "not probed"
                : pools.isEmpty() ? "none" : String.join("; ", pools));
        if (!h.hugetlbVerdict().equals("not probed")) {
            p.field("", h.hugetlbVerdict());
        }
    }

    private void findings(List<Finding> findings) {
        if (findings.isEmpty()) {
            p.heading("What to change: nothing");
            return;
        }
        p.heading("What to change");
        for (Finding f : findings) {
            String who = switch (f.audience()) {
                case THIS_PROCESS -> "[this process] ";
                case NON_ROOT_USER -> "[non-root user] ";
                case EVERYONE -> "";
            };
            p.tagged(f.severity().name(), color(f.severity()), who + f.problem());
            for (String change : f.changes()) {
                p.item(change);
            }
        }
    }

    /** The few lines the demo starts with. */
    void summary(SystemReport r) {
        SystemReport.Platform pl = r.platform();
        SystemReport.Creation c = r.creation();
        long supported = r.features().stream().filter(FeatureEntry::supported).count();
        p.heading("System (./uffd4j doctor has the details)");
        p.field("kernel", pl.kernelRelease() + " (" + pl.arch() + "), " + (r.featuresProbed()
                ? supported + " of " + r.features().size() + " userfaultfd features" : "features not probed"));
        p.status("this process", capability(c.thisProcess().capability()), color(c.thisProcess().capability()),
                allowedRoutes(c.thisProcess()));
        p.status("a non-root user", capability(c.nonRootUser().capability()), color(c.nonRootUser().capability()),
                allowedRoutes(c.nonRootUser()));
        long warnings = r.findings().stream().filter(f -> f.severity() != Severity.INFO).count();
        long infos = r.findings().size() - warnings;
        p.field("findings", warnings + " to act on, " + infos + " to know");
        p.flush();
    }

    private static String allowedRoutes(Subject s) {
        List<String> routes = new ArrayList<>();
        for (RouteAccess ra : s.routes()) {
            if (ra.access() == Access.ALLOWED || ra.access() == Access.GROUP_MEMBERS_ONLY) {
                routes.add(ra.route().label() + (ra.access() == Access.GROUP_MEMBERS_ONLY ? " (group members)" : ""));
            }
        }
        return routes.isEmpty() ? "no route open" : "via " + String.join(", ", routes);
    }

    static String capability(Capability c) {
        return switch (c) {
            case KERNEL_AND_USER_FAULTS -> "full";
            case USER_FAULTS_ONLY -> "user-mode";
            case NONE -> "none";
            case UNKNOWN -> "unknown";
        };
    }

    private static String access(Access a) {
        return switch (a) {
            case ALLOWED -> "allowed";
            case GROUP_MEMBERS_ONLY -> "group";
            case REFUSED -> "refused";
            case NOT_AVAILABLE -> "absent";
            case UNKNOWN -> "unknown";
        };
    }

    private static Printer.Color color(Access a) {
        return switch (a) {
            case ALLOWED -> Printer.Color.GREEN;
            case GROUP_MEMBERS_ONLY -> Printer.Color.YELLOW;
            case REFUSED -> Printer.Color.RED;
            case NOT_AVAILABLE, UNKNOWN -> Printer.Color.DIM;
        };
    }

    private static Printer.Color color(Capability c) {
        return switch (c) {
            case KERNEL_AND_USER_FAULTS -> Printer.Color.GREEN;
            case USER_FAULTS_ONLY -> Printer.Color.YELLOW;
            case NONE -> Printer.Color.RED;
            case UNKNOWN -> Printer.Color.DIM;
        };
    }

    private static Printer.Color color(Severity s) {
        return switch (s) {
            case INFO -> Printer.Color.CYAN;
            case WARN -> Printer.Color.YELLOW;
            case FAIL -> Printer.Color.RED;
        };
    }

    private static String seccomp(int mode) {
        return switch (mode) {
            case 0 -> "off";
            case 1 -> "strict";
            case 2 -> "filter";
            default -> "unknown";
        };
    }

    static String bytes(long n) {
        if (n >= 1L << 30 && n % (1L << 30) == 0) {
            return (n >> 30) + " GiB";
        }
        if (n >= 1L << 20 && n % (1L << 20) == 0) {
            return (n >> 20) + " MiB";
        }
        if (n >= 1L << 10 && n % (1L << 10) == 0) {
            return (n >> 10) + " KiB";
        }
        return n + " B";
    }
}
