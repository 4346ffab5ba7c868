package io.uffd4j.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * Aligned, wrapped, optionally coloured text for people: headings, label/value fields, and tagged
 * paragraphs. Padding is computed on the plain text before colouring, so columns stay aligned.
 */
final class Printer {
    enum Color {
        RED("31"), GREEN("32"), YELLOW("33"), CYAN("36"), DIM("2"), BOLD("1");

        final String code;

        Color(String code) {
            this.code = code;
        }
    }

    static final int LABEL_WIDTH = 31;
    private final PrintWriter out;
    private final Terminal terminal;

    Printer(PrintWriter out, Terminal terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    String paint(String s, Color c) {
        return terminal.color() && c != null ? "\u001b[" + c.code + "m" + s + "\u001b[0m" : s;
    }

    void blank() {
        out.println();
    }

    void heading(String title) {
        out.println(paint(title, Color.BOLD));
    }

    void line(String text) {
        for (String l : wrap(text, terminal.width() - 2)) {
            out.println("  " + l);
        }
    }

    /** {@code  label            value}, the value wrapped under itself. */
    void field(String label, String value) {
        field(label, value, null);
    }

    void field(String label, String value, Color color) {
        String pad = " ".repeat(LABEL_WIDTH + 2);
        List<String> lines = wrap(value == null ? "" : value, terminal.width() - pad.length());
        out.println("  " + padRight(label, LABEL_WIDTH) + paint(lines.getFirst(), color));
        for (int i = 1; i < lines.size(); i++) {
            out.println(pad + paint(lines.get(i), color));
        }
    }

    /** {@code  label            TAG      detail}: a short coloured status, then its explanation. */
    void status(String label, String tag, Color color, String detail) {
        int tagWidth = 10;
        String pad = " ".repeat(LABEL_WIDTH + 2 + tagWidth);
        List<String> lines = wrap(detail == null ? "" : detail, terminal.width() - pad.length());
        out.println("  " + padRight(label, LABEL_WIDTH) + paint(padRight(tag, tagWidth), color) + lines.getFirst());
        for (int i = 1; i < lines.size(); i++) {
            out.println(pad + lines.get(i));
        }
    }

    /** A paragraph starting with a coloured tag, continued under the text. */
    void tagged(String tag, Color color, String text) {
        int tagWidth = 6;
        String pad = " ".repeat(2 + tagWidth);
        List<String> lines = wrap(text, terminal.width() - pad.length());
        out.println("  " + paint(padRight(tag, tagWidth), color) + lines.getFirst());
        for (int i = 1; i < lines.size(); i++) {
            out.println(pad + lines.get(i));
        }
    }

    /** An item under a tagged paragraph: {@code      - text}. */
    void item(String text) {
        String first = " ".repeat(8) + "- ";
        String pad = " ".repeat(first.length());
        List<String> lines = wrap(text, terminal.width() - pad.length());
        out.println(first + lines.getFirst());
        for (int i = 1; i < lines.size(); i++) {
            out.println(pad + lines.get(i));
        }
    }

    void flush() {
        out.flush();
    }

    static String padRight(String s, int width) {
        return s.length() >= width ? s + " " : s + " ".repeat(width - s.length());
    }

    /** Greedy word wrap; words longer than the width stay whole. */
    static List<String> wrap(String text, int width) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" ")) {
            if (word.isEmpty()) {
                continue;
            }
            if (line.length() > 0 && line.length() + 1 + word.length() > width) {
                lines.add(line.toString());
                line.setLength(0);
            }
            if (line.length() > 0) {
                line.append(' ');
            }
            line.append(word);
        }
        lines.add(line.toString());
        return lines;
    }
}
