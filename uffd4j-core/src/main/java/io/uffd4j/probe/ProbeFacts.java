package io.uffd4j.probe;

import io.uffd4j.Feature;
import io.uffd4j.mm.PageSizes.HugeTlbPool;

import java.util.List;
import java.util.Set;

/**
 * What {@link SystemProbe} observed, before any judgement: raw settings and the outcome of each
 * attempt. {@link Diagnosis} turns facts into a {@link SystemReport}; tests build facts by hand to
 * simulate other machines.
 *
 * @param kernelRelease           the running kernel's release string
 * @param arch                    machine architecture (uname -m)
 * @param pageSize                base page size in bytes (0 if unknown)
 * @param javaVersion             the running JVM's version
 * @param javaVendor              the running JVM's vendor
 * @param nativeAccessEnabled     whether module io.uffd4j.core was granted native access
 * @param identity                who this process is
 * @param unprivilegedUserfaultfd vm.unprivileged_userfaultfd, or null if the sysctl does not exist
 * @param device                  the /dev/userfaultfd node
 * @param syscall                 userfaultfd(2) asking to handle kernel- and user-mode faults
 * @param syscallUserModeOnly     userfaultfd(2) with UFFD_USER_MODE_ONLY
 * @param deviceOpen              open("/dev/userfaultfd") + USERFAULTFD_IOC_NEW
 * @param supportedFeatures       features UFFDIO_API offered (empty if it could not be asked)
 * @param unknownFeatureBits      feature bits UFFDIO_API offered that uffd4j has no name for
 * @param featuresProbed          whether UFFDIO_API could be asked at all
 * @param thp                     transparent huge page settings
 * @param hugeTlbPools            hugetlb pools, smallest page size first
 * @param hugeTlbPoolsProbed      whether the pools could be read
 * @param hugetlbfsMounts         mount points of hugetlbfs
 * @param errors                  what could not be probed, and why
 */
public record ProbeFacts(String kernelRelease, String arch, long pageSize, String javaVersion, String javaVendor,
                         boolean nativeAccessEnabled, Identity identity, Integer unprivilegedUserfaultfd,
                         DeviceNode device, Attempt syscall, Attempt syscallUserModeOnly, Attempt deviceOpen,
                         Set<Feature> supportedFeatures, long unknownFeatureBits, boolean featuresProbed,
                         Thp thp, List<HugeTlbPool> hugeTlbPools, boolean hugeTlbPoolsProbed, List<String> hugetlbfsMounts,
                         List<String> errors) {

    public ProbeFacts {
        supportedFeatures = Set.copyOf(supportedFeatures);
        hugeTlbPools = List.copyOf(hugeTlbPools);
        hugetlbfsMounts = List.copyOf(hugetlbfsMounts);
        errors = List.copyOf(errors);
    }

    /** Linux capability number of CAP_SYS_PTRACE. */
    public static final int CAP_SYS_PTRACE = 19;

    /**
     * Who this process is, from /proc/self/status.
     *
     * @param euid       effective user id (-1 if unknown)
     * @param egid       effective group id (-1 if unknown)
     * @param groups     supplementary groups
     * @param capEff     effective capability mask
     * @param seccomp    seccomp mode (0 none, 1 strict, 2 filter; -1 unknown)
     * @param noNewPrivs whether no_new_privs is set
     */
    public record Identity(int euid, int egid, List<Integer> groups, long capEff, int seccomp, boolean noNewPrivs) {
        public Identity {
            groups = List.copyOf(groups);
        }

        public static Identity unknown() {
            return new Identity(-1, -1, List.of(), 0, -1, false);
        }

        public boolean hasCapSysPtrace() {
            return (capEff & (1L << CAP_SYS_PTRACE)) != 0;
        }

        public boolean root() {
            return euid == 0;
        }

        /** Whether the process has {@code gid} as effective or supplementary group. */
        public boolean inGroup(int gid) {
            return egid == gid || groups.contains(gid);
        }
    }

    /**
     * The /dev/userfaultfd node.
     *
     * @param exists      whether it exists
     * @param permissions rwx string, e.g. {@code rw-------} (null if absent)
     * @param mode        permission bits, e.g. 0600 (0 if absent)
     * @param owner       owner name (null if absent)
     * @param group       group name (null if absent)
     * @param uid         owner uid (-1 if absent or unknown)
     * @param gid         group gid (-1 if absent or unknown)
     */
    public record DeviceNode(boolean exists, String permissions, int mode, String owner, String group, int uid, int gid) {
        public static DeviceNode absent() {
            return new DeviceNode(false, null, 0, null, null, -1, -1);
        }

        public boolean otherReadWrite() {
            return exists && (mode & 0006) == 0006;
        }

        public boolean groupReadWrite() {
            return exists && (mode & 0060) == 0060;
        }

        public boolean ownerReadWrite() {
            return exists && (mode & 0600) == 0600;
        }

        /** e.g. {@code crw------- root:root}. */
        public String describe() {
            return exists ? "c" + permissions + " " + owner + ":" + group : "absent";
        }
    }

    /** The outcome of trying to create a descriptor one way. */
    public record Attempt(Outcome outcome, String errno, String message) {
        public enum Outcome { SUCCEEDED, FAILED, NOT_TRIED }

        public static Attempt succeeded() {
            return new Attempt(Outcome.SUCCEEDED, null, null);
        }

        public static Attempt failed(String errno, String message) {
            return new Attempt(Outcome.FAILED, errno, message);
        }

        public static Attempt notTried(String why) {
            return new Attempt(Outcome.NOT_TRIED, null, why);
        }

        public boolean ok() {
            return outcome == Outcome.SUCCEEDED;
        }

        public boolean failedWith(String name) {
            return outcome == Outcome.FAILED && name.equals(errno);
        }

        /** "ok", "EPERM", or "not tried". */
        public String brief() {
            return switch (outcome) {
                case SUCCEEDED -> "ok";
                case FAILED -> errno != null ? errno : "failed";
                case NOT_TRIED -> "not tried";
            };
        }
    }

    /**
     * Transparent huge pages.
     *
     * @param present whether the kernel has THP (/sys/kernel/mm/transparent_hugepage exists)
     * @param enabled the selected word of {@code enabled} (always, madvise, never)
     * @param defrag  the selected word of {@code defrag}
     * @param pmdSize the THP size in bytes (0 if unknown)
     */
    public record Thp(boolean present, String enabled, String defrag, long pmdSize) {
        public static Thp absent() {
            return new Thp(false, null, null, 0);
        }
    }
}
