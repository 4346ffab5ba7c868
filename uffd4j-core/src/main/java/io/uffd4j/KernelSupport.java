package io.uffd4j;

import io.uffd4j.error.PermissionDeniedException;
import io.uffd4j.error.UffdException;
import io.uffd4j.error.UnsupportedFeatureException;
import io.uffd4j.internal.ffm.Abi;
import io.uffd4j.internal.ffm.Libc;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What the running kernel supports, probed at run time with UFFDIO_API on a throwaway descriptor
 * (UFFDIO_API can be called only once per descriptor, so the real one asks for exactly what it needs).
 *
 * @param features           features the kernel offers
 * @param ioctls             ioctls UFFDIO_API reports (API, REGISTER, UNREGISTER)
 * @param unknownFeatureBits feature bits this version of uffd4j has no name for (newer kernels)
 * @param kernelRelease      the running kernel's release string
 * @param probedWith         how the throwaway descriptor was created
 * @param userModeOnly       whether only a user-mode-only descriptor could be created
 */
public record KernelSupport(Set<Feature> features, Set<Ioctl> ioctls, long unknownFeatureBits,
                            String kernelRelease, CreationMethod probedWith, boolean userModeOnly) {

    public KernelSupport {
        features = Set.copyOf(features);
        ioctls = Set.copyOf(ioctls);
    }

    private static volatile KernelSupport cached;

    /** Probes once per JVM and caches the answer. */
    public static KernelSupport probe() {
        KernelSupport k = cached;
        if (k == null) {
            synchronized (KernelSupport.class) {
                k = cached;
                if (k == null) {
                    k = probeNow();
                    cached = k;
                }
            }
        }
        return k;
    }

    private static KernelSupport probeNow() {
        UffdOpener.Opened opened;
        boolean userMode = false;
        try {
            opened = UffdOpener.open(CreationMethod.AUTO, Abi.O_CLOEXEC);
        } catch (PermissionDeniedException e) {
            opened = UffdOpener.open(CreationMethod.AUTO, Abi.O_CLOEXEC | Abi.UFFD_USER_MODE_ONLY);
            userMode = true;
        }
        try {
            ApiHandshake.Result r = ApiHandshake.call(opened.fd(), Abi.UFFD_API, 0);
            if (r.errno() != 0) {
                throw UffdException.of("UFFDIO_API", io.uffd4j.error.Errno.of(r.errno()), r.errno(), 0, 0, 0,
                        Ioctl.API.meaning(io.uffd4j.error.Errno.of(r.errno())));
            }
            return new KernelSupport(Feature.fromBits(r.features()), Ioctl.fromBits(r.ioctls()),
                    r.features() & ~Feature.knownBits(), runningKernelRelease(), opened.method(), userMode);
        } finally {
            Libc.close(opened.fd());
        }
    }

    static String runningKernelRelease() {
        return System.getProperty("os.version", "unknown");
    }

    public boolean supports(Feature feature) {
        return features.contains(feature);
    }

    /** Throws {@link UnsupportedFeatureException} naming each missing feature and the kernel that added it. */
    public void require(Set<Feature> wanted) {
        List<String> missing = new ArrayList<>();
        for (Feature f : wanted) {
            if (!features.contains(f)) {
                missing.add(f.kernelName() + " (added in Linux " + f.since() + ": " + f.description() + ")");
            }
        }
        if (!missing.isEmpty()) {
            throw new UnsupportedFeatureException("UFFDIO_API", "this kernel (" + kernelRelease
                    + ") does not support " + String.join(", ", missing));
        }
    }
}
