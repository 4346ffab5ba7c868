package io.uffd4j.probe;

import io.uffd4j.Feature;
import io.uffd4j.mm.PageSizes.HugeTlbPool;
import io.uffd4j.probe.ProbeFacts.Attempt;
import io.uffd4j.probe.ProbeFacts.Identity;
import io.uffd4j.probe.ProbeFacts.Thp;
import io.uffd4j.probe.SystemReport.Access;
import io.uffd4j.probe.SystemReport.Audience;
import io.uffd4j.probe.SystemReport.Capability;
import io.uffd4j.probe.SystemReport.Finding;
import io.uffd4j.probe.SystemReport.Route;
import io.uffd4j.probe.SystemReport.Severity;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Each judgement of {@link Diagnosis}, on simulated machines. */
class DiagnosisTest {

    private static Finding require(SystemReport r, String id) {
        Finding f = r.finding(id);
        assertNotNull(f, () -> "expected finding " + id + " in " + r.findings());
        return f;
    }

    private static void assertChange(Finding f, String fragment) {
        assertTrue(f.changes().stream().anyMatch(c -> c.contains(fragment)),
                () -> "finding " + f.id() + " should suggest '" + fragment + "': " + f.changes());
    }

    private static List<String> ids(SystemReport r) {
        return r.findings().stream().map(Finding::id).toList();
    }

    @Test
    void rootOnDefaultSettingsExplainsWhatANonRootUserGets() {
        SystemReport r = new SimulatedFacts().judge();
        assertEquals(Capability.KERNEL_AND_USER_FAULTS, r.creation().thisProcess().capability());
        assertEquals(Capability.USER_FAULTS_ONLY, r.creation().nonRootUser().capability());
        assertEquals(Access.REFUSED, r.creation().nonRootUser().route(Route.SYSCALL).access());
        assertEquals(Access.ALLOWED, r.creation().nonRootUser().route(Route.SYSCALL_USER_MODE_ONLY).access());
        assertEquals(Access.REFUSED, r.creation().nonRootUser().route(Route.DEVICE).access());
        Finding f = require(r, "nonroot-user-mode-only");
        assertEquals(Audience.NON_ROOT_USER, f.audience());
        assertEquals(Severity.WARN, f.severity());
        assertTrue(f.problem().contains("vm.unprivileged_userfaultfd=0"), f.problem());
        assertChange(f, "sysctl -w vm.unprivileged_userfaultfd=1");
        assertChange(f, "chgrp userfaultfd /dev/userfaultfd");
        assertChange(f, "chmod 0660 /dev/userfaultfd");
        assertChange(f, "usermod -aG userfaultfd USER");
        assertChange(f, "Userfaultfd.builder().userModeOnly(true)");
        assertChange(f, "GuardedMemory CHECKED mode and process_vm_readv-based access cannot be served");
        assertNotNull(r.finding("nonroot-event-fork"));
        assertFalse(r.failsHere());
        assertFalse(ids(r).contains("user-mode-only"), "root is not limited");
    }

    @Test
    void sysctlOneGivesNonRootUsersEverythingAndSaysWhatThatCosts() {
        SimulatedFacts s = new SimulatedFacts();
        s.sysctl = 1;
        SystemReport r = s.judge();
        assertEquals(Capability.KERNEL_AND_USER_FAULTS, r.creation().nonRootUser().capability());
        assertNull(r.finding("nonroot-user-mode-only"));
        Finding f = require(r, "unprivileged-sysctl-open");
        assertEquals(Severity.INFO, f.severity());
        assertChange(f, "vm.unprivileged_userfaultfd=0");
    }

    @Test
    void groupAccessibleDeviceNamesTheGroup() {
        SystemReport r = new SimulatedFacts().device(0660, "uffd", 990).judge();
        assertEquals(Access.GROUP_MEMBERS_ONLY, r.creation().nonRootUser().route(Route.DEVICE).access());
        Finding f = require(r, "nonroot-device-group");
        assertChange(f, "usermod -aG uffd USER");
        // Users outside the group still get user-mode-only, and the advice names the existing group.
        assertChange(require(r, "nonroot-user-mode-only"), "usermod -aG uffd USER");
    }

    @Test
    void worldAccessibleDeviceGivesNonRootUsersEverything() {
        SystemReport r = new SimulatedFacts().device(0666, "root", 0).judge();
        assertEquals(Access.ALLOWED, r.creation().nonRootUser().route(Route.DEVICE).access());
        assertEquals(Capability.KERNEL_AND_USER_FAULTS, r.creation().nonRootUser().capability());
        assertNull(r.finding("nonroot-user-mode-only"));
    }

    @Test
    void nonRootProcessLimitedToUserModeGetsAdviceForItself() {
        SystemReport r = new SimulatedFacts().asNonRoot().judge();
        assertEquals(Capability.USER_FAULTS_ONLY, r.creation().thisProcess().capability());
        assertEquals(Access.REFUSED, r.creation().thisProcess().route(Route.SYSCALL).access());
        assertTrue(r.creation().thisProcess().route(Route.SYSCALL).detail().contains("vm.unprivileged_userfaultfd=0"));
        Finding f = require(r, "user-mode-only");
        assertEquals(Audience.THIS_PROCESS, f.audience());
        assertChange(f, "sysctl -w vm.unprivileged_userfaultfd=1");
        assertChange(f, "chgrp userfaultfd /dev/userfaultfd");
        assertChange(f, "Userfaultfd.builder().userModeOnly(true)");
        assertFalse(ids(r).stream().anyMatch(id -> id.startsWith("nonroot-")),
                "a non-root process is told about itself, not about a hypothetical user: " + ids(r));
        assertNotNull(r.finding("event-fork"));
        assertFalse(r.failsHere(), "user-mode-only still works");
    }

    @Test
    void nonRootMemberOfTheDeviceGroupIsNotLimited() {
        SimulatedFacts s = new SimulatedFacts().device(0660, "uffd", 990);
        s.asNonRoot();
        s.identity = new Identity(1000, 1000, List.of(1000, 990), 0, 0, false);
        s.deviceOpen = Attempt.succeeded();
        SystemReport r = s.judge();
        assertEquals(Capability.KERNEL_AND_USER_FAULTS, r.creation().thisProcess().capability());
        assertNull(r.finding("user-mode-only"));
    }

    @Test
    void oldKernelWithoutUserModeOnlyLeavesANonRootProcessWithNothing() {
        SimulatedFacts s = new SimulatedFacts().noDevice();
        s.kernel = "5.10.0-28-amd64";
        s.asNonRoot();
        s.userMode = Attempt.failed("EINVAL", "userfaultfd(2) failed: EINVAL");
        s.featuresProbed = false;
        SystemReport r = s.judge();
        assertEquals(Capability.NONE, r.creation().thisProcess().capability());
        assertEquals(Access.NOT_AVAILABLE, r.creation().thisProcess().route(Route.SYSCALL_USER_MODE_ONLY).access());
        assertEquals(Access.NOT_AVAILABLE, r.creation().nonRootUser().route(Route.DEVICE).access());
        assertEquals(Access.NOT_AVAILABLE, r.creation().thisProcess().route(Route.DEVICE).access());
        assertTrue(r.creation().thisProcess().route(Route.DEVICE).detail().contains("Linux 6.1"));
        Finding f = require(r, "no-userfaultfd");
        assertEquals(Severity.FAIL, f.severity());
        assertChange(f, "sysctl -w vm.unprivileged_userfaultfd=1");
        assertChange(f, "Linux >= 5.11");
        assertTrue(r.failsHere());
    }

    @Test
    void kernelWithoutUserfaultfdAsksForOne() {
        SimulatedFacts s = new SimulatedFacts().noDevice();
        s.syscall = Attempt.failed("ENOSYS", "ENOSYS");
        s.userMode = Attempt.failed("ENOSYS", "ENOSYS");
        s.featuresProbed = false;
        s.features = EnumSet.noneOf(Feature.class);
        SystemReport r = s.judge();
        assertEquals(Capability.NONE, r.creation().thisProcess().capability());
        assertEquals(Capability.NONE, r.creation().nonRootUser().capability());
        assertChange(require(r, "no-userfaultfd"), "CONFIG_USERFAULTFD");
        assertNull(r.finding("features-missing"), "features cannot be judged without UFFDIO_API");
    }

    @Test
    void seccompFilterIsNamed() {
        SimulatedFacts s = new SimulatedFacts().noDevice();
        s.identity = new Identity(0, 0, List.of(), SimulatedFacts.ALL_CAPS, 2, true);
        s.syscall = Attempt.failed("EPERM", "EPERM");
        s.userMode = Attempt.failed("EPERM", "EPERM");
        s.featuresProbed = false;
        SystemReport r = s.judge();
        Finding f = require(r, "seccomp");
        assertEquals(Severity.FAIL, f.severity());
        assertChange(f, "seccomp");
        assertTrue(r.creation().thisProcess().route(Route.SYSCALL_USER_MODE_ONLY).detail().contains("seccomp"));
        assertTrue(r.failsHere());
    }

    @Test
    void missingNativeAccessFails() {
        SimulatedFacts s = new SimulatedFacts();
        s.nativeAccess = false;
        s.syscall = Attempt.notTried("native access is not enabled");
        s.userMode = Attempt.notTried("native access is not enabled");
        s.deviceOpen = Attempt.notTried("native access is not enabled");
        s.featuresProbed = false;
        SystemReport r = s.judge();
        assertChange(require(r, "native-access"), "--enable-native-access=io.uffd4j.core");
        assertEquals(Access.UNKNOWN, r.creation().thisProcess().route(Route.SYSCALL).access());
        assertEquals(Capability.UNKNOWN, r.creation().thisProcess().capability());
        assertFalse(r.featuresProbed());
        assertTrue(r.failsHere());
    }

    @Test
    void missingFeaturesNameTheKernelThatHasThem() {
        SimulatedFacts s = new SimulatedFacts();
        s.kernel = "6.5.0";
        s.features = EnumSet.allOf(Feature.class);
        s.features.removeAll(List.of(Feature.MOVE, Feature.POISON, Feature.WP_ASYNC));
        SystemReport r = s.judge();
        Finding f = require(r, "features-missing");
        assertTrue(f.problem().contains("UFFD_FEATURE_MOVE"), f.problem());
        assertTrue(f.problem().contains("UFFD_FEATURE_POISON"), f.problem());
        assertChange(f, "Linux >= 6.8");
        assertEquals(Feature.values().length, r.features().size());
        assertFalse(r.features().stream().filter(e -> e.name().equals("MOVE")).findFirst().orElseThrow().supported());
        assertTrue(r.features().stream().filter(e -> e.name().equals("MISSING_SHMEM")).findFirst().orElseThrow().supported());
    }

    @Test
    void newKernelMissingFeaturesPointsAtTheBuildConfiguration() {
        SimulatedFacts s = new SimulatedFacts();
        s.features = EnumSet.allOf(Feature.class);
        s.features.remove(Feature.PAGEFAULT_FLAG_WP);
        assertChange(require(s.judge(), "features-missing"), "CONFIG_");
    }

    @Test
    void unknownFeatureBitsAreListed() {
        SimulatedFacts s = new SimulatedFacts();
        s.unknownBits = (1L << 17) | (1L << 20);
        SystemReport r = s.judge();
        assertEquals(List.of(17, 20), r.unknownFeatureBits());
        assertNotNull(r.finding("features-unknown"));
    }

    @Test
    void everythingPresentLeavesNoFeatureFinding() {
        SystemReport r = new SimulatedFacts().judge();
        assertNull(r.finding("features-missing"));
        assertNull(r.finding("features-unknown"));
        assertTrue(r.features().stream().allMatch(SystemReport.FeatureEntry::supported));
    }

    @Test
    void thpNeverAsksForMadvise() {
        SimulatedFacts s = new SimulatedFacts();
        s.thp = new Thp(true, "never", "madvise", 2 << 20);
        Finding f = require(s.judge(), "thp-never");
        assertChange(f, "echo madvise > /sys/kernel/mm/transparent_hugepage/enabled");
        assertChange(f, "madvise is enough");
    }

    @Test
    void thpMadviseIsEnough() {
        SystemReport r = new SimulatedFacts().judge();
        assertNull(r.finding("thp-never"));
        assertTrue(r.hugePages().thpVerdict().startsWith("ok"), r.hugePages().thpVerdict());
        assertTrue(r.hugePages().thpVerdict().contains("madvise is enough"));
    }

    @Test
    void thpDefragNeverAndAbsentAreReported() {
        SimulatedFacts s = new SimulatedFacts();
        s.thp = new Thp(true, "always", "never", 2 << 20);
        assertChange(require(s.judge(), "thp-defrag-never"), "/sys/kernel/mm/transparent_hugepage/defrag");
        s.thp = Thp.absent();
        assertNotNull(s.judge().finding("thp-absent"));
    }

    @Test
    void emptyHugetlbPoolsSayHowToReservePages() {
        SystemReport r = new SimulatedFacts().judge();
        Finding f = require(r, "hugetlb-empty");
        assertChange(f, "echo 512 > /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages");
        assertTrue(r.hugePages().hugetlbVerdict().contains("not needed"), r.hugePages().hugetlbVerdict());
    }

    @Test
    void reservedHugetlbPagesAndMountsAreOk() {
        SimulatedFacts s = new SimulatedFacts();
        s.pools = List.of(new HugeTlbPool(2 << 20, 64, 64, 0));
        s.mounts = List.of("/dev/hugepages (rw,relatime,pagesize=2M)");
        SystemReport r = s.judge();
        assertNull(r.finding("hugetlb-empty"));
        assertTrue(r.hugePages().hugetlbVerdict().startsWith("ok"));
        assertTrue(r.hugePages().hugetlbVerdict().contains("/dev/hugepages"));
        s.pools = List.of();
        assertNotNull(s.judge().finding("hugetlb-absent"));
        s.poolsProbed = false;
        assertNull(s.judge().finding("hugetlb-absent"), "pools that were not read are not judged");
        assertEquals("not probed", s.judge().hugePages().hugetlbVerdict());
    }

    @Test
    void kernelsBeforeTheSysctlLetEveryUserIn() {
        SimulatedFacts s = new SimulatedFacts().noDevice();
        s.kernel = "4.19.0";
        s.sysctl = null;
        s.userMode = Attempt.failed("EINVAL", "EINVAL");
        SystemReport r = s.judge();
        assertEquals(Access.ALLOWED, r.creation().nonRootUser().route(Route.SYSCALL).access());
        assertEquals(Access.NOT_AVAILABLE, r.creation().nonRootUser().route(Route.SYSCALL_USER_MODE_ONLY).access());
        assertEquals(Capability.KERNEL_AND_USER_FAULTS, r.creation().nonRootUser().capability());
    }

    @Test
    void everyReportHasBothSubjectsWithEveryRoute() {
        SystemReport r = new SimulatedFacts().judge();
        for (SystemReport.Subject subject : List.of(r.creation().thisProcess(), r.creation().nonRootUser())) {
            for (Route route : Route.values()) {
                assertNotNull(subject.route(route).detail(), subject.who() + " " + route);
            }
            assertFalse(subject.consequences().isBlank());
        }
        for (Finding f : r.findings()) {
            assertFalse(f.changes().isEmpty(), "every finding says what to change: " + f);
        }
    }

    @Test
    void kernelVersionParsing() {
        assertEquals(new KernelVersion(6, 18), KernelVersion.parse("6.18.44-fc-v669"));
        assertEquals(new KernelVersion(5, 10), KernelVersion.parse("5.10.0-28-amd64"));
        assertFalse(KernelVersion.parse("weird").known());
        assertTrue(KernelVersion.parse("weird").atLeast("6.1"), "unknown versions do not block anything");
        assertTrue(KernelVersion.parse("6.1.0").atLeast("6.1"));
        assertFalse(KernelVersion.parse("5.15.0").atLeast("6.1"));
    }
}
