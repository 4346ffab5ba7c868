package io.uffd4j.pager.server;

import io.uffd4j.internal.ChildJvm;

import java.util.ArrayList;
import java.util.List;

/** Command lines of the pager's processes: this JVM's module setup, with every module of the module path resolved (extensions and sources are loaded by name). */
public final class ChildProcesses {
    private ChildProcesses() {}

    /** {@code java <this JVM's options> <options> mainClass args}, resolving every module of the module path. */
    public static List<String> command(List<String> options, Class<?> main, List<String> args) {
        List<String> opts = new ArrayList<>();
        Module self = ChildProcesses.class.getModule();
        if (self.isNamed()) {
            // A parent started with -m stops its options before the module: the child must resolve ours itself.
            opts.add("--add-modules=ALL-MODULE-PATH");
        }
        opts.addAll(options);
        return ChildJvm.command(opts, true, main.getName(), args);
    }
}
