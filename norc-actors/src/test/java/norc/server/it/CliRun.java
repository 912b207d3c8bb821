package norc.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;

/** Runs the {@code norc} CLI in-process as a user would type it, asserting it exits 0. */
final class CliRun {
    /** What one command printed. */
    record Output(String out, String err) {}

    private CliRun() {}

    static Output run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        picocli.CommandLine cli = norc.client.cli.NorcCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        assertThat(cli.execute(args)).as(out + "\n" + err).isZero();
        return new Output(out.toString(), err.toString());
    }

    static String[] concat(String[] a, String... b) {
        String[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
