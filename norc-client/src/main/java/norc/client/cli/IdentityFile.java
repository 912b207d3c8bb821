package norc.client.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import norc.client.DeviceIdentity;

/** A loaded identity and the file it lives in, so that a server pin can be written back. */
final class IdentityFile {
    private final Path path;
    private DeviceIdentity identity;

    private IdentityFile(Path path, DeviceIdentity identity) {
        this.path = path;
        this.identity = identity;
    }

    /** Loads {@code path}; warns (like ssh) when others may read it. */
    static IdentityFile load(Path path, PrintWriter err) throws IOException {
        if (!Files.isRegularFile(path)) {
            throw new NorcCli.CliException("no identity file at " + path + " (create one with: norc identity create)");
        }
        if (!DeviceIdentity.hasOwnerOnlyPermissions(path)) {
            err.println("norc: warning: " + path + " is readable by others; run: chmod 600 " + path);
            err.flush();
        }
        return new IdentityFile(path, DeviceIdentity.load(path));
    }

    Path path() {
        return path;
    }

    DeviceIdentity identity() {
        return identity;
    }

    /** Pins {@code serverKey} for {@code server} and saves the file. */
    void pin(String server, byte[] serverKey) throws IOException {
        identity = identity.withKnownServer(server, serverKey);
        identity.save(path);
    }

    /** Where the ids of the groups this identity has heard of are kept. */
    Path groupsFile() {
        return path.resolveSibling(path.getFileName() + ".groups");
    }

    /** Where this identity's outgoing conversation chains are kept. */
    Path chainFile() {
        return path.resolveSibling(path.getFileName() + ".chains.json");
    }
}
