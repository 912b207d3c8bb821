package norc.client.cli;

import norc.client.ClientListener;
import norc.client.NorcClient;
import norc.wire.message.AuthResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code norc register}: registers the identity's device with a one-time enrollment token. */
@Command(name = "register", description = "Register this device with the server using a one-time enrollment token.")
final class RegisterCommand extends DeviceCall {

    @Option(names = "--token", required = true, description = "The one-time enrollment token from your operator.")
    String token;

    @Override
    public Integer call() throws Exception {
        IdentityFile file = identityFile();
        try (NorcClient client = Connector.connect(server, file, ClientListener.NONE, err())) {
            AuthResponse response = Connector.await(client.register(file.identity(), token), server.timeout());
            Terminal.print(out(), "registered device " + response.deviceId() + " for "
                    + response.userId() + " at " + client.serverId());
        }
        return 0;
    }
}
