package norc.client.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import norc.client.ClientListener;
import norc.client.NorcClient;
import norc.wire.message.Atoms.RevocationReason;
import norc.wire.message.KeyResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code norc devices list|revoke}: this user's devices, as the server publishes their keys. */
@Command(name = "devices", description = "List or revoke your devices.",
        subcommands = {DevicesCommand.ListDevices.class, DevicesCommand.Revoke.class})
final class DevicesCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "name a subcommand: list, revoke");
    }

    @Command(name = "list", description = "List your devices (from the server's key directory).")
    static final class ListDevices implements Callable<Integer> {
        @Option(names = "--identity", required = true, description = "The device identity file.")
        Path identity;

        @Mixin
        ServerOptions server;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            IdentityFile file = IdentityFile.load(identity, spec.commandLine().getErr());
            String me = file.identity().userId();
            try (NorcClient client = Connector.authenticated(server, file, ClientListener.NONE, spec.commandLine().getErr())) {
                Map<UUID, KeyResponse.DeviceKey> devices = Connector.await(client.fetchKeys(List.of(me)), server.timeout())
                        .getOrDefault(me, Map.of());
                for (Map.Entry<UUID, KeyResponse.DeviceKey> device : devices.entrySet()) {
                    KeyResponse.DeviceKey key = device.getValue();
                    Terminal.print(spec.commandLine().getOut(), device.getKey() + "  " + Terminal.inert(key.keyAlgorithm())
                            + (key.verified() ? "  verified" : "")
                            + (device.getKey().equals(file.identity().deviceId()) ? "  (this device)" : ""));
                }
            }
            return 0;
        }
    }

    @Command(name = "revoke", description = "Revoke one of your devices (signed by this device).")
    static final class Revoke implements Callable<Integer> {
        @Option(names = "--identity", required = true, description = "The device identity file.")
        Path identity;

        @Option(names = "--device", required = true, paramLabel = "UUID", description = "The device to revoke.")
        UUID device;

        @Option(names = "--reason", defaultValue = "RETIRED", paramLabel = "REASON", converter = ReasonConverter.class,
                description = "compromised, lost, retired or rotated. Default: retired.")
        RevocationReason reason;

        @Mixin
        ServerOptions server;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            IdentityFile file = IdentityFile.load(identity, spec.commandLine().getErr());
            String me = file.identity().userId();
            try (NorcClient client = Connector.authenticated(server, file, ClientListener.NONE, spec.commandLine().getErr())) {
                Connector.await(client.revokeDevice(device, reason), server.timeout());
                if (device.equals(file.identity().deviceId())) {
                    Terminal.print(spec.commandLine().getOut(), "revoked this device; " + identity
                            + " can no longer authenticate");
                    return 0;
                }
                // the protocol defines no answer to device_revoke: confirm through the key directory
                Map<UUID, KeyResponse.DeviceKey> left = Connector.await(client.fetchKeys(List.of(me)), server.timeout())
                        .getOrDefault(me, Map.of());
                if (left.containsKey(device)) {
                    throw new NorcCli.CliException("the server still lists device " + device + " after the revocation");
                }
                Terminal.print(spec.commandLine().getOut(), "revoked device " + device);
            }
            return 0;
        }
    }

    /** Accepts the wire atoms ({@code retired}) as well as the enum names. */
    static final class ReasonConverter implements picocli.CommandLine.ITypeConverter<RevocationReason> {
        @Override
        public RevocationReason convert(String value) {
            return RevocationReason.valueOf(value.toUpperCase(java.util.Locale.ROOT));
        }
    }
}
