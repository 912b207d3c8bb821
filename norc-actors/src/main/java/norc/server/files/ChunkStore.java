package norc.server.files;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import norc.persistence.JournalDatabase;

/**
 * Where encrypted file chunks live (groups profile B): a table of the journal's database, so a
 * single node keeps them in its H2 file and every node of a cluster reaches the same PostgreSQL.
 * One row per chunk, keyed by the file's pseudonym (never its id) and the chunk index; only
 * ciphertext is ever written, never a whole file at once. Blocking JDBC runs on this store's own
 * small pool of threads and connections, never on an actor's thread. Thread-safe.
 */
public final class ChunkStore implements AutoCloseable {
    private static final String TABLE = "\"norc_file_chunks\"";

    private final HikariDataSource pool;
    private final ExecutorService threads;

    private ChunkStore(HikariDataSource pool, ExecutorService threads) {
        this.pool = pool;
        this.threads = threads;
    }

    /** Opens the store on {@code database} with {@code connections} connections, creating its table if missing. */
    public static ChunkStore open(JournalDatabase database, int connections, Duration connectionTimeout) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(database.url());
        config.setUsername(database.user());
        config.setPassword(database.password());
        config.setMaximumPoolSize(connections);
        config.setMinimumIdle(1);
        config.setConnectionTimeout(Math.max(250, connectionTimeout.toMillis()));
        config.setPoolName("norc-file-chunks");
        HikariDataSource pool = new HikariDataSource(config);
        ThreadPoolExecutor threads = new ThreadPoolExecutor(connections, connections, 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), runnable -> {
                    Thread thread = new Thread(runnable, "norc-file-chunks");
                    thread.setDaemon(true);
                    return thread;
                });
        ChunkStore store = new ChunkStore(pool, threads);
        store.createTable(database.dialect() == JournalDatabase.Dialect.POSTGRES ? "BYTEA" : "VARBINARY");
        return store;
    }

    private void createTable(String bytesType) {
        try (Connection connection = pool.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE IF NOT EXISTS " + TABLE + " (\"file_key\" VARCHAR(128) NOT NULL, "
                    + "\"chunk_index\" INTEGER NOT NULL, \"ciphertext\" " + bytesType + " NOT NULL, "
                    + "PRIMARY KEY (\"file_key\", \"chunk_index\"))");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot prepare the file chunk table: " + e.getMessage(), e);
        }
    }

    /**
     * Writes chunk {@code index} of file {@code fileKey}, replacing a row a crash left before its
     * upload was journalled; completes once committed.
     */
    public CompletableFuture<Void> put(String fileKey, int index, byte[] ciphertext) {
        return CompletableFuture.runAsync(() -> {
            try (Connection connection = pool.getConnection()) {
                connection.setAutoCommit(false);
                try (PreparedStatement delete = connection.prepareStatement(
                             "DELETE FROM " + TABLE + " WHERE \"file_key\" = ? AND \"chunk_index\" = ?");
                     PreparedStatement insert = connection.prepareStatement(
                             "INSERT INTO " + TABLE + " (\"file_key\", \"chunk_index\", \"ciphertext\") VALUES (?, ?, ?)")) {
                    delete.setString(1, fileKey);
                    delete.setInt(2, index);
                    delete.executeUpdate();
                    insert.setString(1, fileKey);
                    insert.setInt(2, index);
                    insert.setBytes(3, ciphertext);
                    insert.executeUpdate();
                }
                connection.commit();
            } catch (SQLException e) {
                throw new IllegalStateException("chunk not stored: " + e.getMessage(), e);
            }
        }, threads);
    }

    /** Chunk {@code index} of file {@code fileKey}, if stored. */
    public CompletableFuture<Optional<byte[]>> get(String fileKey, int index) {
        return CompletableFuture.supplyAsync(() -> {
            try (Connection connection = pool.getConnection();
                 PreparedStatement select = connection.prepareStatement(
                         "SELECT \"ciphertext\" FROM " + TABLE + " WHERE \"file_key\" = ? AND \"chunk_index\" = ?")) {
                select.setString(1, fileKey);
                select.setInt(2, index);
                try (ResultSet row = select.executeQuery()) {
                    return row.next() ? Optional.of(row.getBytes(1)) : Optional.<byte[]>empty();
                }
            } catch (SQLException e) {
                throw new IllegalStateException("chunk not read: " + e.getMessage(), e);
            }
        }, threads);
    }

    /** Deletes every chunk of {@code fileKey} (an expired upload or file). */
    public CompletableFuture<Void> delete(String fileKey) {
        return CompletableFuture.runAsync(() -> {
            try (Connection connection = pool.getConnection();
                 PreparedStatement delete = connection.prepareStatement("DELETE FROM " + TABLE + " WHERE \"file_key\" = ?")) {
                delete.setString(1, fileKey);
                delete.executeUpdate();
            } catch (SQLException e) {
                throw new IllegalStateException("chunks not deleted: " + e.getMessage(), e);
            }
        }, threads);
    }

    @Override
    public void close() {
        threads.shutdown();
        pool.close();
    }
}
