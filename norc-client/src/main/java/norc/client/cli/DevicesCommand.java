package norc.client.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import norc.client.ClientListener;
import norc.client.NorcClient;
import norc.wire.message.Atoms.RevocationReason;
import norc.wire.message.KeyResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code norc devices list|revoke|rotate}: this user's devices, as the server publishes their keys. */
@Command(name = "devices", description = "List, revoke or rotate your devices.",
        subcommands = {DevicesCommand.ListDevices.class, DevicesCommand.Revoke.class, DevicesCommand.Rotate.class})
final class DevicesCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "name a subcommand: list, revoke, rotate");
    }

    @Command(name = "list", description = "List your devices (from the server's key directory).")
    static final class ListDevices extends DeviceCall {
        @Override
        public Integer call() throws Exception {
            IdentityFile file = identityFile();
            String me = file.identity().userId();
            try (NorcClient client = authenticated(file, ClientListener.NONE)) {
                Map<UUID, KeyResponse.DeviceKey> devices = Connector.await(client.fetchKeys(List.of(me)), server.timeout())
                        .getOrDefault(me, Map.of());
                for (Map.Entry<UUID, KeyResponse.DeviceKey> device : devices.entrySet()) {
                    KeyResponse.DeviceKey key = device.getValue();
                    Terminal.print(out(), device.getKey() + "  " + Terminal.inert(key.keyAlgorithm())
                            + (key.verified() ? "  verified" : "")
                            + (key.expiresAt() > 0 ? "  expires " + java.time.Instant.ofEpochSecond(key.expiresAt()) : "")
                            + (device.getKey().equals(file.identity().deviceId()) ? "  (this device)" : ""));
                }
            }
            return 0;
        }
    }

    @Command(name = "revoke", description = "Revoke one of your devices (signed by this device).")
    static final class Revoke extends DeviceCall {
        @Option(names = "--device", required = true, paramLabel = "UUID", description = "The device to revoke.")
        UUID device;

        @Option(names = "--reason", defaultValue = "RETIRED", paramLabel = "REASON", converter = ReasonConverter.class,
                description = "compromised, lost, retired or rotated. Default: retired.")
        RevocationReason reason;

        @Override
        public Integer call() throws Exception {
            IdentityFile file = identityFile();
            String me = file.identity().userId();
            try (NorcClient client = authenticated(file, ClientListener.NONE)) {
                Connector.await(client.revokeDevice(device, reason), server.timeout());
                if (device.equals(file.identity().deviceId())) {
                    Terminal.print(out(), "revoked this device; " + identity
                            + " can no longer authenticate");
                    return 0;
                }
                // the protocol defines no answer to device_revoke: confirm through the key directory
                Map<UUID, KeyResponse.DeviceKey> left = Connector.await(client.fetchKeys(List.of(me)), server.timeout())
                        .getOrDefault(me, Map.of());
                if (left.containsKey(device)) {
                    throw new NorcCli.CliException("the server still lists device " + device + " after the revocation");
                }
                Terminal.print(out(), "revoked device " + device);
            }
            return 0;
        }
    }

    /** Accepts the wire atoms ({@code retired}) as well as the enum names. */
    /**
     * Rotates this device's key (groups profile C): a successor identity (new device id, new keys)
     * is registered with both signatures and written to the identity file; the old identity (and
     * its conversation chains) move to {@code <file>.rotated}, valid for the server's overlap so
     * that it can still read what waits in its inbox (run {@code norc listen --identity
     * <file>.rotated}); erase it after that.
     */
    @Command(name = "rotate", description = "Rotate this device's keys to a successor device id (the old one stays valid for the overlap).")
    static final class Rotate extends DeviceCall {
        @Override
        public Integer call() throws Exception {
            IdentityFile file = identityFile();
            norc.client.DeviceIdentity old = file.identity();
            norc.client.DeviceIdentity successor = old.successor(new java.security.SecureRandom());
            Path kept = identity.resolveSibling(identity.getFileName() + ".rotated");
            Map<UUID, KeyResponse.DeviceKey> devices;
            try (NorcClient client = authenticated(file, ClientListener.NONE)) {
                devices = Connector.await(client.rotate(successor), server.timeout());
            }
            old = file.identity(); // with the server pinned while connecting
            old.save(kept);
            java.nio.file.Path chains = file.chainFile();
            if (java.nio.file.Files.exists(chains)) {
                java.nio.file.Files.move(chains, kept.resolveSibling(kept.getFileName() + ".chains.json"),
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            successor = successor.withKnownServers(old);
            successor.save(identity);
            KeyResponse.DeviceKey oldKey = devices.get(old.deviceId());
            Terminal.print(out(), "rotated " + old.deviceId() + " to " + successor.deviceId()
                    + "; the old identity is in " + kept
                    + (oldKey == null ? "" : " until " + java.time.Instant.ofEpochSecond(oldKey.expiresAt())));
            return 0;
        }
    }

    static final class ReasonConverter implements picocli.CommandLine.ITypeConverter<RevocationReason> {
        @Override
        public RevocationReason convert(String value) {
            return RevocationReason.valueOf(value.toUpperCase(java.util.Locale.ROOT));
        }
    }
}
