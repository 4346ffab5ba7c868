package io.uffd4j.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.uffd4j.probe.SystemProbe;
import io.uffd4j.probe.SystemReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code ./uffd4j doctor}: what this machine offers userfaultfd, for this process and for a non-root user. */
@Command(name = "doctor", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Report the kernel, the ways of creating a userfaultfd (for this process and for a "
                + "non-root user), the supported features, huge pages, and what to change where something is missing.",
                "Exit code 0 when uffd4j can work in this process, 1 when it cannot."})
final class DoctorCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Print the same report as JSON.")
    boolean json;

    @Mixin
    ColorOption color = new ColorOption();

    @Override
    public Integer call() throws JsonProcessingException {
        SystemReport report = SystemProbe.report();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(toJson(report));
        } else {
            new DoctorPrinter(new Printer(out, color.terminal())).full(report);
        }
        out.flush();
        return report.failsHere() ? Main.FAILURE : Main.OK;
    }

    static String toJson(SystemReport report) throws JsonProcessingException {
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report);
    }
}
