package norc.server.files;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import norc.server.storage.BlobTables;

/**
 * Where encrypted file chunks live (groups profile B), in the journal's database
 * ({@link BlobTables}). One row per chunk, keyed by the file's pseudonym (never its id) and the
 * chunk index; only ciphertext is ever written, never a whole file at once. Each row carries the
 * time its file may be deleted (the upload's at each chunk, the sealed file's from sealing on), so
 * the node's {@link norc.server.storage.StorageSweeper} removes the chunks of files nobody touched
 * again; the file's entity decides expiry on its own when asked. Thread-safe.
 */
public final class ChunkStore {
    private static final String TABLE = "\"norc_file_chunks\"";

    private final BlobTables tables;

    private ChunkStore(BlobTables tables) {
        this.tables = tables;
    }

    /** The store on {@code tables}, creating its table (or adding the expiry column to one from before it) if missing. */
    public static ChunkStore open(BlobTables tables) {
        tables.prepare("the file chunk table",
                "CREATE TABLE IF NOT EXISTS " + TABLE + " (\"file_key\" VARCHAR(128) NOT NULL, "
                        + "\"chunk_index\" INTEGER NOT NULL, \"ciphertext\" " + tables.bytesType() + " NOT NULL, "
                        + "\"expires_at\" BIGINT, PRIMARY KEY (\"file_key\", \"chunk_index\"))",
                "ALTER TABLE " + TABLE + " ADD COLUMN IF NOT EXISTS \"expires_at\" BIGINT");
        return new ChunkStore(tables);
    }

    /**
     * Writes chunk {@code index} of file {@code fileKey}, replacing a row a crash left before its
     * upload was journalled; {@code expiresAt} (epoch ms) the upload's end if nothing follows.
     * Completes once committed.
     */
    public CompletableFuture<Void> put(String fileKey, int index, byte[] ciphertext, long expiresAt) {
        return tables.submit("storing a chunk", connection -> {
            connection.setAutoCommit(false);
            try (PreparedStatement delete = connection.prepareStatement(
                         "DELETE FROM " + TABLE + " WHERE \"file_key\" = ? AND \"chunk_index\" = ?");
                 PreparedStatement insert = connection.prepareStatement(
                         "INSERT INTO " + TABLE + " (\"file_key\", \"chunk_index\", \"ciphertext\", \"expires_at\") VALUES (?, ?, ?, ?)")) {
                delete.setString(1, fileKey);
                delete.setInt(2, index);
                delete.executeUpdate();
                insert.setString(1, fileKey);
                insert.setInt(2, index);
                insert.setBytes(3, ciphertext);
                insert.setLong(4, expiresAt);
                insert.executeUpdate();
            }
            connection.commit();
            return null;
        });
    }

    /** Every chunk of {@code fileKey} now lives until {@code expiresAt} (epoch ms): the file was sealed. */
    public CompletableFuture<Void> extend(String fileKey, long expiresAt) {
        return tables.submit("extending a file's chunks", connection -> {
            try (PreparedStatement update = connection.prepareStatement(
                    "UPDATE " + TABLE + " SET \"expires_at\" = ? WHERE \"file_key\" = ?")) {
                update.setLong(1, expiresAt);
                update.setString(2, fileKey);
                update.executeUpdate();
            }
            return null;
        });
    }

    /** Chunk {@code index} of file {@code fileKey}, if stored. */
    public CompletableFuture<Optional<byte[]>> get(String fileKey, int index) {
        return tables.submit("reading a chunk", connection -> {
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT \"ciphertext\" FROM " + TABLE + " WHERE \"file_key\" = ? AND \"chunk_index\" = ?")) {
                select.setString(1, fileKey);
                select.setInt(2, index);
                try (ResultSet row = select.executeQuery()) {
                    return row.next() ? Optional.of(row.getBytes(1)) : Optional.<byte[]>empty();
                }
            }
        });
    }

    /** Deletes every chunk of {@code fileKey} (an expired upload or file). */
    public CompletableFuture<Void> delete(String fileKey) {
        return tables.submit("deleting a file's chunks", connection -> {
            try (PreparedStatement delete = connection.prepareStatement("DELETE FROM " + TABLE + " WHERE \"file_key\" = ?")) {
                delete.setString(1, fileKey);
                delete.executeUpdate();
            }
            return null;
        });
    }

    /**
     * Deletes the chunks of every file whose latest expiry is before {@code before} (epoch ms);
     * answers how many chunks went. Rows from before the expiry column (null) are kept.
     */
    public CompletableFuture<Integer> sweep(long before) {
        return tables.submit("sweeping expired chunks", connection -> {
            try (PreparedStatement delete = connection.prepareStatement("DELETE FROM " + TABLE + " WHERE \"file_key\" IN (SELECT "
                    + "\"file_key\" FROM " + TABLE + " GROUP BY \"file_key\" HAVING MAX(\"expires_at\") < ?)")) {
                delete.setLong(1, before);
                return delete.executeUpdate();
            }
        });
    }
}
