package norc.server.storage;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The ciphertext of each group message, stored once for all its copies (the device inboxes hold
 * each copy without it, {@link SharedCiphertext}), in the journal's database ({@link BlobTables}).
 * A row is keyed by a pseudonym of the conversation and message ids (never the ids), holds only
 * end-to-end ciphertext and lives until the message's inbox expiry, after which the node's
 * {@link StorageSweeper} deletes it. Thread-safe.
 */
public final class MessageBodies {
    private static final String TABLE = "\"norc_message_bodies\"";
    /** SQLSTATE of a unique-key violation, in H2 and PostgreSQL alike. */
    private static final String DUPLICATE_KEY = "23505";

    private final BlobTables tables;

    private MessageBodies(BlobTables tables) {
        this.tables = tables;
    }

    /** The bodies on {@code tables}, creating their table if missing. */
    public static MessageBodies open(BlobTables tables) {
        tables.prepare("the message body table",
                "CREATE TABLE IF NOT EXISTS " + TABLE + " (\"body_key\" VARCHAR(128) NOT NULL PRIMARY KEY, "
                        + "\"body\" " + tables.bytesType() + " NOT NULL, \"expires_at\" BIGINT NOT NULL)");
        return new MessageBodies(tables);
    }

    /**
     * Stores {@code body} under {@code key} until {@code expiresAt} (epoch ms), unless a body is
     * there already (the sender's resend of the same message keeps the first, which some inboxes
     * may have delivered); completes once committed.
     */
    public CompletableFuture<Void> put(String key, byte[] body, long expiresAt) {
        return tables.submit("storing a message body", connection -> {
            try (PreparedStatement insert = connection.prepareStatement(
                    "INSERT INTO " + TABLE + " (\"body_key\", \"body\", \"expires_at\") VALUES (?, ?, ?)")) {
                insert.setString(1, key);
                insert.setBytes(2, body);
                insert.setLong(3, expiresAt);
                insert.executeUpdate();
            } catch (SQLException e) {
                if (!DUPLICATE_KEY.equals(e.getSQLState())) {
                    throw e;
                }
            }
            return null;
        });
    }

    /** The bodies of {@code keys} that are stored (one query); a missing key is simply absent. */
    public CompletableFuture<Map<String, byte[]>> get(Collection<String> keys) {
        List<String> wanted = List.copyOf(keys);
        if (wanted.isEmpty()) {
            return CompletableFuture.completedFuture(Map.of());
        }
        return tables.submit("reading message bodies", connection -> {
            String marks = String.join(", ", java.util.Collections.nCopies(wanted.size(), "?"));
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT \"body_key\", \"body\" FROM " + TABLE + " WHERE \"body_key\" IN (" + marks + ")")) {
                for (int i = 0; i < wanted.size(); i++) {
                    select.setString(i + 1, wanted.get(i));
                }
                Map<String, byte[]> found = new HashMap<>();
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        found.put(rows.getString(1), rows.getBytes(2));
                    }
                }
                return found;
            }
        });
    }

    /** Deletes every body that expired before {@code before} (epoch ms); answers how many went. */
    public CompletableFuture<Integer> sweep(long before) {
        return tables.submit("sweeping expired message bodies", connection -> {
            try (PreparedStatement delete = connection.prepareStatement("DELETE FROM " + TABLE + " WHERE \"expires_at\" < ?")) {
                delete.setLong(1, before);
                return delete.executeUpdate();
            }
        });
    }
}
