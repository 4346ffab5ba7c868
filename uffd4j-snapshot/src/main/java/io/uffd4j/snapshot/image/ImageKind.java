package io.uffd4j.snapshot.image;

/** A full image holds every page; a delta holds the pages changed since its parent. */
public enum ImageKind {
    FULL(1),
    DELTA(2);

    private final int code;

    ImageKind(int code) {
        this.code = code;
    }

    int code() {
        return code;
    }

    static ImageKind of(int code) {
        for (ImageKind k : values()) {
            if (k.code == code) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown image kind " + code);
    }
}
