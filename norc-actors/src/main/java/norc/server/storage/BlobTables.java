package norc.server.storage;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import norc.persistence.JournalDatabase;

/**
 * The journal database's tables of opaque bytes that are not events: file chunks and the
 * ciphertexts of group messages. A single node keeps them in its H2 file, every node of a cluster
 * reaches the same PostgreSQL. Blocking JDBC runs on this pool's own threads and connections,
 * never on an actor's thread. Thread-safe; closed with the actor system.
 */
public final class BlobTables implements AutoCloseable {

    /** One unit of JDBC work on a pooled connection. */
    public interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    private final HikariDataSource pool;
    private final ExecutorService threads;
    private final String bytesType;

    private BlobTables(HikariDataSource pool, ExecutorService threads, String bytesType) {
        this.pool = pool;
        this.threads = threads;
        this.bytesType = bytesType;
    }

    /** Opens {@code connections} connections to {@code database}, each waited for at most {@code connectionTimeout}. */
    public static BlobTables open(JournalDatabase database, int connections, Duration connectionTimeout) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(database.url());
        config.setUsername(database.user());
        config.setPassword(database.password());
        config.setMaximumPoolSize(connections);
        config.setMinimumIdle(1);
        config.setConnectionTimeout(Math.max(250, connectionTimeout.toMillis()));
        config.setPoolName("norc-blobs");
        ThreadPoolExecutor threads = new ThreadPoolExecutor(connections, connections, 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), runnable -> {
                    Thread thread = new Thread(runnable, "norc-blobs");
                    thread.setDaemon(true);
                    return thread;
                });
        return new BlobTables(new HikariDataSource(config), threads,
                database.dialect() == JournalDatabase.Dialect.POSTGRES ? "BYTEA" : "VARBINARY");
    }

    /** The column type for bytes in this database. */
    public String bytesType() {
        return bytesType;
    }

    /** Runs schema statements now, on the caller's thread (at start-up); each must be idempotent. */
    public void prepare(String what, String... statements) {
        try (Connection connection = pool.getConnection(); Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot prepare " + what + ": " + e.getMessage(), e);
        }
    }

    /** Runs {@code work} on a pooled connection off the caller's thread; a failure names {@code what}, never a key. */
    public <T> CompletableFuture<T> submit(String what, Work<T> work) {
        return CompletableFuture.supplyAsync(() -> {
            try (Connection connection = pool.getConnection()) {
                return work.run(connection);
            } catch (SQLException e) {
                throw new IllegalStateException(what + " failed: " + e.getMessage(), e);
            }
        }, threads);
    }

    @Override
    public void close() {
        threads.shutdown();
        pool.close();
    }
}
