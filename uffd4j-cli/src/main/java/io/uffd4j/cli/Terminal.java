package io.uffd4j.cli;

import java.io.Console;

/**
 * Where output goes: whether it is an interactive terminal (progress bars), whether to colour it, and
 * how wide to wrap it.
 */
record Terminal(boolean interactive, boolean color, int width) {
    static final int DEFAULT_WIDTH = 100;

    static Terminal detect(ColorOption.When when) {
        // Since JDK 22 System.console() exists even when redirected; isTerminal() tells the truth.
        Console console = System.console();
        boolean tty = console != null && console.isTerminal();
        String term = System.getenv("TERM");
        boolean colorable = tty && System.getenv("NO_COLOR") == null && !"dumb".equals(term);
        boolean color = switch (when) {
            case always -> true;
            case never -> false;
            case auto -> colorable;
        };
        return new Terminal(tty, color, columns());
    }

    static Terminal plain() {
        return new Terminal(false, false, DEFAULT_WIDTH);
    }

    private static int columns() {
        try {
            String columns = System.getenv("COLUMNS");
            int w = columns == null ? DEFAULT_WIDTH : Integer.parseInt(columns.trim());
            return Math.max(60, Math.min(w, 160));
        } catch (NumberFormatException e) {
            return DEFAULT_WIDTH;
        }
    }
}
