package io.uffd4j.pager;

/** The pager worker's heap, as the JVM's {@code -Xmx} takes it: a number of bytes with k, m or g. */
public final class WorkerHeap {
    /** Less than this and the worker cannot start. */
    public static final long MIN_BYTES = 32L << 20;
    public static final String ACCEPTED = "a JVM heap size from 32m to 1024g, e.g. 256m or 1g";

    private WorkerHeap() {}

    /** The bytes {@code heap} names; IllegalArgumentException naming the value if it is not a usable heap size. */
    public static long bytes(String heap) {
        if (heap == null || !heap.matches("[0-9]{1,12}[kKmMgG]?")) {
            throw new IllegalArgumentException("workerHeap '" + heap + "' is not a heap size (accepted: " + ACCEPTED + ")");
        }
        char unit = Character.toLowerCase(heap.charAt(heap.length() - 1));
        int shift = switch (unit) {
            case 'k' -> 10;
            case 'm' -> 20;
            case 'g' -> 30;
            default -> 0;
        };
        long n = Long.parseLong(shift == 0 ? heap : heap.substring(0, heap.length() - 1));
        if (n > (1L << 40) >> shift || (n << shift) < MIN_BYTES) {
            throw new IllegalArgumentException("workerHeap '" + heap + "' is out of range (accepted: " + ACCEPTED + ")");
        }
        return n << shift;
    }
}
