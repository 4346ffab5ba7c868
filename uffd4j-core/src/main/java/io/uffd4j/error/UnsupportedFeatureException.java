package io.uffd4j.error;

/**
 * A feature, ioctl or register mode that this kernel (or this mapping type) does not support. The
 * message names it and the kernel version that added it.
 */
public final class UnsupportedFeatureException extends UffdException {
    public UnsupportedFeatureException(String operation, String message) {
        super(operation, Errno.EINVAL, 0, 0, 0, message);
    }
}
