package norc.persistence;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * The database behind the event journal and snapshot store (pekko-persistence-jdbc): an embedded
 * H2 file by default, PostgreSQL for clusters. It knows the two dialects, produces the plugin's
 * connection settings, and creates the schema on start-up (idempotently) so that a fresh data
 * directory or an empty PostgreSQL database works without a manual step.
 */
public record JournalDatabase(Dialect dialect, String url, String user, String password) {

    /** The databases NORC ships DDL for. */
    public enum Dialect {
        H2("slick.jdbc.H2Profile$", "org.h2.Driver", "h2.sql"),
        POSTGRES("slick.jdbc.PostgresProfile$", "org.postgresql.Driver", "postgres.sql");

        final String slickProfile;
        final String driver;
        final String ddl;

        Dialect(String slickProfile, String driver, String ddl) {
            this.slickProfile = slickProfile;
            this.driver = driver;
            this.ddl = ddl;
        }
    }

    /**
     * The URL of the default embedded database, an H2 file at {@code file} (H2 adds {@code .mv.db}).
     * {@code WRITE_DELAY=0} makes every commit reach the file before it returns: with H2's default
     * (1 s) a committed transaction lives only in the JVM for up to a second, and a killed process
     * loses it, while the server has already acknowledged the message it holds.
     */
    public static String h2FileUrl(Path file) {
        // DB_CLOSE_ON_EXIT=FALSE: H2's own shutdown hook would close the database while Pekko's
        // coordinated shutdown still journals (the acknowledgements a handed-off entity flushes)
        return "jdbc:h2:file:" + file.toAbsolutePath() + ";DATABASE_TO_UPPER=false;WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE";
    }

    /** Picks the dialect from the JDBC URL. */
    public static JournalDatabase of(String url, String user, String password) {
        if (url.startsWith("jdbc:h2:")) {
            return new JournalDatabase(Dialect.H2, url, user.isEmpty() ? "sa" : user, password);
        }
        if (url.startsWith("jdbc:postgresql:")) {
            return new JournalDatabase(Dialect.POSTGRES, url, user, password);
        }
        throw new IllegalArgumentException("unsupported journal database URL (use jdbc:h2: or jdbc:postgresql:)");
    }

    /**
     * Settings for {@code pekko-persistence-jdbc.shared-databases.slick}, as config paths to values,
     * to be laid over the reference configuration before it is resolved.
     */
    public Map<String, Object> pluginSettings() {
        Map<String, Object> settings = new LinkedHashMap<>();
        String base = "pekko-persistence-jdbc.shared-databases.slick.";
        settings.put(base + "profile", dialect.slickProfile);
        settings.put(base + "db.url", url);
        settings.put(base + "db.driver", dialect.driver);
        settings.put(base + "db.user", user);
        settings.put(base + "db.password", password);
        if (dialect == Dialect.POSTGRES) {
            // a database that hangs (stopped, or a network that drops packets) fails a statement
            // after socketTimeout instead of holding its pool connection forever
            settings.put(base + "db.properties.connectTimeout", "5");
            settings.put(base + "db.properties.socketTimeout", "30");
            settings.put(base + "db.properties.tcpKeepAlive", "true");
        }
        return settings;
    }

    /** Creates the journal, tag and snapshot tables if they are missing; safe to run on every start. */
    public void installSchema() {
        List<String> statements = statements(readDdl(dialect.ddl));
        try (Connection connection = DriverManager.getConnection(url, user, password);
             Statement statement = connection.createStatement()) {
            connection.setAutoCommit(false);
            if (dialect == Dialect.POSTGRES) {
                // nodes of a cluster start together: one creates the tables, the others wait and find them
                statement.execute("SELECT pg_advisory_xact_lock(7311001)");
            }
            for (String sql : statements) {
                statement.execute(sql);
            }
            connection.commit();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot prepare the journal database (" + redactedUrl() + "): " + e.getMessage(), e);
        }
    }

    /**
     * Moves every entity of {@code type} stored under a persistence id {@code type|id} where
     * {@code keep} refuses {@code id} to {@code type|renamed(id)}: journal rows and snapshots, in one
     * transaction (under the schema lock on PostgreSQL, so nodes starting together do it once).
     * Returns how many entities moved. For stores written before persistence ids were pseudonymised.
     */
    public int renamePersistenceIds(String type, Predicate<String> keep, UnaryOperator<String> renamed) {
        String prefix = type + "|";
        try (Connection connection = DriverManager.getConnection(url, user, password)) {
            connection.setAutoCommit(false);
            if (dialect == Dialect.POSTGRES) {
                try (Statement lock = connection.createStatement()) {
                    lock.execute("SELECT pg_advisory_xact_lock(7311001)");
                }
            }
            List<String> old = new ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT DISTINCT \"persistence_id\" FROM \"event_journal\" WHERE \"persistence_id\" LIKE ? "
                            + "UNION SELECT DISTINCT \"persistence_id\" FROM \"snapshot\" WHERE \"persistence_id\" LIKE ?")) {
                select.setString(1, prefix + "%");
                select.setString(2, prefix + "%");
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        String id = rows.getString(1).substring(prefix.length());
                        if (!keep.test(id)) {
                            old.add(id);
                        }
                    }
                }
            }
            try (PreparedStatement journal = connection.prepareStatement(
                         "UPDATE \"event_journal\" SET \"persistence_id\" = ? WHERE \"persistence_id\" = ?");
                 PreparedStatement snapshots = connection.prepareStatement(
                         "UPDATE \"snapshot\" SET \"persistence_id\" = ? WHERE \"persistence_id\" = ?")) {
                for (String id : old) {
                    for (PreparedStatement update : List.of(journal, snapshots)) {
                        update.setString(1, prefix + renamed.apply(id));
                        update.setString(2, prefix + id);
                        update.executeUpdate();
                    }
                }
            }
            connection.commit();
            return old.size();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot rename the persistence ids of " + type + " (" + redactedUrl() + "): "
                    + e.getMessage(), e);
        }
    }

    /**
     * One entity's retention step: its journal rows up to and including {@code eventsUpTo} and its
     * snapshots below {@code snapshotsBelow} are to go. Only prefixes: persistence-jdbc 1.1.1 replays
     * wrongly across a gap in the middle of a journal (stack.md).
     */
    public record Trim(String persistenceId, long eventsUpTo, long snapshotsBelow) {}

    /**
     * Deletes what {@code trims} name, every entity's rows in one transaction (a node's retention
     * is one commit per flush, whatever the number of entities). Returns the journal rows deleted.
     */
    public int trim(Collection<Trim> trims) throws SQLException {
        try (Connection connection = DriverManager.getConnection(url, user, password)) {
            connection.setAutoCommit(false);
            int deleted = 0;
            try (PreparedStatement events = connection.prepareStatement(
                         "DELETE FROM \"event_journal\" WHERE \"persistence_id\" = ? AND \"sequence_number\" <= ?");
                 PreparedStatement snapshots = connection.prepareStatement(
                         "DELETE FROM \"snapshot\" WHERE \"persistence_id\" = ? AND \"sequence_number\" < ?")) {
                for (Trim trim : trims) {
                    events.setString(1, trim.persistenceId());
                    events.setLong(2, trim.eventsUpTo());
                    events.addBatch();
                    snapshots.setString(1, trim.persistenceId());
                    snapshots.setLong(2, trim.snapshotsBelow());
                    snapshots.addBatch();
                }
                for (int count : events.executeBatch()) {
                    deleted += Math.max(count, 0);
                }
                snapshots.executeBatch();
            }
            connection.commit();
            return deleted;
        }
    }

    /** The payload of the journal's most recent event written by serializer {@code serializerId}, if any. */
    public Optional<byte[]> latestEventPayload(int serializerId) {
        try (Connection connection = DriverManager.getConnection(url, user, password);
             PreparedStatement select = connection.prepareStatement("SELECT \"event_payload\" FROM \"event_journal\" "
                     + "WHERE \"event_ser_id\" = ? ORDER BY \"ordering\" DESC LIMIT 1")) {
            select.setInt(1, serializerId);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? Optional.of(rows.getBytes(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the journal database (" + redactedUrl() + "): " + e.getMessage(), e);
        }
    }

    /** The URL without parameters, which may carry credentials. */
    public String redactedUrl() {
        int cut = url.indexOf(dialect == Dialect.H2 ? ';' : '?');
        return cut < 0 ? url : url.substring(0, cut);
    }

    @Override
    public String toString() {
        return "JournalDatabase[" + dialect + ", " + redactedUrl() + "]";
    }

    static List<String> statements(String ddl) {
        List<String> result = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : ddl.split("\n")) {
            if (line.strip().startsWith("--")) {
                continue;
            }
            current.append(line).append('\n');
            if (line.strip().endsWith(";")) {
                String sql = current.toString().strip();
                result.add(sql.substring(0, sql.length() - 1));
                current.setLength(0);
            }
        }
        if (!current.toString().isBlank()) {
            throw new IllegalStateException("DDL ends without a semicolon");
        }
        return result;
    }

    private static String readDdl(String name) {
        try (InputStream in = JournalDatabase.class.getResourceAsStream("/norc/persistence/ddl/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing DDL resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read DDL resource " + name, e);
        }
    }
}
