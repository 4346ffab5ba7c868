package io.uffd4j.serve;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** JFR event for each fault a {@link FaultServer} handled (off unless a recording enables it). */
@Name("io.uffd4j.FaultServed")
@Label("Fault Served")
@Category({"uffd4j", "Faults"})
@Description("A userfaultfd page fault resolved (or failed) by an in-process fault server")
@Enabled(false)
@StackTrace(false)
final class FaultServedEvent extends jdk.jfr.Event {
    @Label("Address")
    long address;

    @Label("Kind")
    String kind;

    @Label("Write")
    boolean write;

    @Label("Outcome")
    String outcome;

    @Label("Attempt")
    int attempt;
}
