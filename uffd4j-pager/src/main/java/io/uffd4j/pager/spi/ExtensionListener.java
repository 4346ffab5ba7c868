package io.uffd4j.pager.spi;

/** Hears, in the application, what one extension of a region posts. Called on the pager connection thread; must be quick. */
public interface ExtensionListener<E> {
    void onEvent(E event);

    /** A pager restart ended every extension of the region: their operations in progress are over. */
    default void onLost(String reason) {}
}
