package io.uffd4j.probe;

import io.uffd4j.Feature;
import io.uffd4j.probe.ProbeFacts.Identity;
import io.uffd4j.probe.SystemReport.Route;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The probe on this machine: it must answer, completely, without throwing. */
class SystemProbeTest {

    @Test
    void reportIsCompleteOnThisMachine() {
        SystemReport r = SystemProbe.report();
        System.out.println(r);
        assertNotNull(r.platform().kernelRelease());
        assertEquals(System.getProperty("os.version"), r.platform().kernelRelease());
        assertTrue(r.platform().nativeAccessEnabled(), "tests run with --enable-native-access=io.uffd4j.core");
        assertTrue(r.platform().pageSize() > 0);
        assertEquals(Feature.values().length, r.features().size());
        for (Route route : Route.values()) {
            assertNotNull(r.creation().thisProcess().route(route));
            assertNotNull(r.creation().nonRootUser().route(route));
        }
        assertTrue(r.probeErrors().isEmpty(), () -> "probe errors: " + r.probeErrors());
    }

    @Test
    void measuredAccessMatchesWhatThisProcessCanDo() {
        ProbeFacts f = SystemProbe.gather();
        // Whatever the machine, at least one of the attempts ran, and its outcome decides the capability.
        SystemReport r = Diagnosis.judge(f);
        boolean full = f.syscall().ok() || f.deviceOpen().ok();
        boolean any = full || f.syscallUserModeOnly().ok();
        assertEquals(full ? SystemReport.Capability.KERNEL_AND_USER_FAULTS
                        : any ? SystemReport.Capability.USER_FAULTS_ONLY : SystemReport.Capability.NONE,
                r.creation().thisProcess().capability());
        if (any) {
            assertTrue(f.featuresProbed());
            assertFalse(f.supportedFeatures().isEmpty());
        }
        if (f.identity().hasCapSysPtrace()) {
            assertTrue(f.syscall().ok() || f.identity().seccomp() == 2, "CAP_SYS_PTRACE may always use the system call");
        }
    }

    @Test
    void parsesProcSelfStatus() {
        Identity id = SystemProbe.parseStatus(List.of(
                "Name:\tjava",
                "Uid:\t1000\t1001\t1001\t1001",
                "Gid:\t100\t990\t990\t990",
                "Groups:\t4 24 990 ",
                "CapEff:\t0000000000080000",
                "NoNewPrivs:\t1",
                "Seccomp:\t2"));
        assertEquals(1001, id.euid());
        assertEquals(990, id.egid());
        assertEquals(List.of(4, 24, 990), id.groups());
        assertTrue(id.hasCapSysPtrace(), "bit 19 is CAP_SYS_PTRACE");
        assertFalse(id.root());
        assertTrue(id.inGroup(24));
        assertEquals(2, id.seccomp());
        assertTrue(id.noNewPrivs());
        Identity none = SystemProbe.parseStatus(List.of("CapEff:\t000001fffff7ffff", "Groups:\t"));
        assertFalse(none.hasCapSysPtrace());
        assertEquals(List.of(), none.groups());
        assertEquals(-1, none.euid());
    }

    @Test
    void selectedSysfsChoice() {
        assertEquals("madvise", SystemProbe.selected("always [madvise] never\n"));
        assertEquals("never", SystemProbe.selected("never"));
    }
}
