package norc.server.audit;

import com.typesafe.config.Config;
import java.nio.file.Path;

/**
 * The {@code norc.audit} settings, parsed once and validated (spec §6.18).
 *
 * @param secretFile the pseudonym secret ({@code norc.audit.secret-file}, default
 *     {@code <data-dir>/audit/pseudonym.key}); the same file on every node
 * @param snapshotEvery a snapshot of the chain's head every this many entries (events are never deleted)
 * @param perKindPerMinute what one node records of each rate-limited kind ({@link AuditKinds#SUPPRESSED}) a minute
 */
public record AuditSettings(Path secretFile, int snapshotEvery, int perKindPerMinute) {

    /** {@code norc}: the {@code norc} section. */
    public static AuditSettings from(Config norc, Path dataDir) {
        String file = norc.getString("audit.secret-file");
        int snapshotEvery = norc.getInt("audit.snapshot-every");
        if (snapshotEvery < 1) {
            throw new IllegalArgumentException("norc.audit.snapshot-every must be at least 1, not " + snapshotEvery);
        }
        int perMinute = norc.getInt("audit.rate-limited-per-minute");
        if (perMinute < 1) {
            throw new IllegalArgumentException("norc.audit.rate-limited-per-minute must be at least 1, not " + perMinute);
        }
        return new AuditSettings(file.isEmpty() ? dataDir.resolve("audit").resolve("pseudonym.key") : Path.of(file).toAbsolutePath(),
                snapshotEvery, perMinute);
    }
}
