package norc.client.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import norc.client.ClientListener;
import norc.client.NorcClient;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * What every device command shares ({@code register}, {@code send}, {@code listen}, {@code chat},
 * {@code devices ...}): the identity file, the server options, and the way to reach the server as
 * that device. The admin commands have theirs in {@link AdminCall}.
 */
abstract class DeviceCall implements Callable<Integer> {
    @Option(names = "--identity", required = true, description = "The device identity file.")
    Path identity;

    @Mixin
    ServerOptions server;

    @Spec
    CommandSpec spec;

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** The identity file (warning on standard error when others may read it). */
    IdentityFile identityFile() throws IOException {
        return IdentityFile.load(identity, err());
    }

    /** Connected and authenticated as the identity's device (its server key pinned on first use). */
    NorcClient authenticated(IdentityFile file, ClientListener listener) throws Exception {
        return Connector.authenticated(server, file, listener, err());
    }
}
