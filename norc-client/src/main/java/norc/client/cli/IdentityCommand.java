package norc.client.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.concurrent.Callable;
import norc.client.DeviceIdentity;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code norc identity create}: makes a device identity file (keys never leave it). */
@Command(name = "identity", description = "Manage device identity files.",
        subcommands = {IdentityCommand.Create.class})
final class IdentityCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "name a subcommand: create");
    }

    @Command(name = "create", description = "Create a new device identity (Ed25519 and X25519 keys) in a file "
            + "readable by you only.")
    static final class Create implements Callable<Integer> {
        @Option(names = "--user", required = true, description = "Your user id, local@domain.")
        String user;

        @Option(names = "--out", required = true, description = "Where to write the identity file.")
        Path out;

        @Option(names = "--device-name", defaultValue = "norc-cli", description = "A name for this device "
                + "(shown to you in device lists). Default: ${DEFAULT-VALUE}.")
        String deviceName;

        @Option(names = "--force", description = "Overwrite an existing file (its keys are lost).")
        boolean force;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (Files.exists(out) && !force) {
                throw new NorcCli.CliException(out + " exists; use --force to replace it (its keys are lost)");
            }
            DeviceIdentity identity = DeviceIdentity.create(user, deviceName, new SecureRandom());
            identity.save(out);
            spec.commandLine().getOut().println("created device " + identity.deviceId() + " for " + user + " in " + out);
            spec.commandLine().getOut().flush();
            return 0;
        }
    }
}
