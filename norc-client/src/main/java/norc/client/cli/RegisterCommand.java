package norc.client.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import norc.client.ClientListener;
import norc.client.NorcClient;
import norc.wire.message.AuthResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code norc register}: registers the identity's device with a one-time enrollment token. */
@Command(name = "register", description = "Register this device with the server using a one-time enrollment token.")
final class RegisterCommand implements Callable<Integer> {
    @Option(names = "--identity", required = true, description = "The device identity file.")
    Path identity;

    @Option(names = "--token", required = true, description = "The one-time enrollment token from your operator.")
    String token;

    @Mixin
    ServerOptions server;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        IdentityFile file = IdentityFile.load(identity, spec.commandLine().getErr());
        try (NorcClient client = Connector.connect(server, file, ClientListener.NONE, spec.commandLine().getErr())) {
            AuthResponse response = Connector.await(client.register(file.identity(), token), server.timeout());
            Terminal.print(spec.commandLine().getOut(), "registered device " + response.deviceId() + " for "
                    + response.userId() + " at " + client.serverId());
        }
        return 0;
    }
}
