package norc.client.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.UUID;
import norc.client.ClientListener;
import norc.client.DeviceIdentity;
import norc.client.GroupChange;

/**
 * The ids of the groups this identity has heard of, one per line in a file beside it
 * (owner-only): the protocol has no "list my groups", so {@code norc group list} asks the server
 * about each id it learned (by creating, by a {@code membership_update}) and forgets those it is
 * no longer in. Also the listener that learns them.
 */
final class KnownGroups implements ClientListener {
    private final Path file;

    KnownGroups(Path file) {
        this.file = file;
    }

    synchronized Set<UUID> ids() {
        Set<UUID> ids = new LinkedHashSet<>();
        try {
            if (Files.exists(file)) {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    try {
                        ids.add(UUID.fromString(line.strip()));
                    } catch (IllegalArgumentException ignored) {
                        // not an id: skipped
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return ids;
    }

    synchronized void add(UUID id) {
        Set<UUID> ids = ids();
        if (ids.add(id)) {
            write(ids);
        }
    }

    synchronized void remove(UUID id) {
        Set<UUID> ids = ids();
        if (ids.remove(id)) {
            write(ids);
        }
    }

    @Override
    public void onGroupChanged(GroupChange change) {
        if (change.group().isPresent()) {
            add(change.conversationId());
        } else {
            remove(change.conversationId());
        }
    }

    private void write(Set<UUID> ids) {
        StringBuilder text = new StringBuilder();
        ids.forEach(id -> text.append(id).append('\n'));
        try {
            DeviceIdentity.writeOwnerOnly(file, text.toString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
