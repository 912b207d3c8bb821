package norc.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalDatabaseTest {
    @TempDir
    Path dir;

    @Test
    void installsTheSchemaIntoAFreshH2FileAndCanRunAgain() throws Exception {
        String url = "jdbc:h2:file:" + dir.resolve("norc") + ";DATABASE_TO_UPPER=false";
        JournalDatabase db = JournalDatabase.of(url, "", "");
        db.installSchema();
        db.installSchema(); // every start runs it
        try (Connection c = DriverManager.getConnection(url, "sa", "");
             ResultSet tables = c.getMetaData().getTables(null, "PUBLIC", "%", null)) {
            java.util.Set<String> names = new java.util.HashSet<>();
            while (tables.next()) {
                names.add(tables.getString("TABLE_NAME"));
            }
            assertThat(names).contains("event_journal", "event_tag", "snapshot");
        }
    }

    @Test
    void renamesClearPersistenceIdsOfOneTypeInJournalAndSnapshotsOnce() throws Exception {
        String url = "jdbc:h2:file:" + dir.resolve("norc") + ";DATABASE_TO_UPPER=false";
        JournalDatabase db = JournalDatabase.of(url, "", "");
        db.installSchema();
        try (Connection c = DriverManager.getConnection(url, "sa", "")) {
            for (String id : java.util.List.of("User|alice@a", "User|s-done", "Other|bob@a")) {
                c.createStatement().execute("insert into \"event_journal\" (\"persistence_id\", \"sequence_number\", \"writer\", "
                        + "\"write_timestamp\", \"adapter_manifest\", \"event_payload\", \"event_ser_id\", \"event_ser_manifest\") "
                        + "values ('" + id + "', 1, 'w', 0, '', X'01', 1, 'm')");
            }
            c.createStatement().execute("insert into \"snapshot\" (\"persistence_id\", \"sequence_number\", \"created\", "
                    + "\"snapshot_ser_id\", \"snapshot_ser_manifest\", \"snapshot_payload\") values ('User|alice@a', 1, 0, 1, 'm', X'02')");
        }
        assertThat(db.renamePersistenceIds("User", id -> id.startsWith("s-"), id -> "s-" + id.hashCode())).isEqualTo(1);
        assertThat(db.renamePersistenceIds("User", id -> id.startsWith("s-"), id -> "s-" + id.hashCode())).isZero();
        String renamed = "User|s-" + "alice@a".hashCode();
        try (Connection c = DriverManager.getConnection(url, "sa", "")) {
            assertThat(ids(c, "select \"persistence_id\" from \"event_journal\""))
                    .containsExactlyInAnyOrder(renamed, "User|s-done", "Other|bob@a");
            assertThat(ids(c, "select \"persistence_id\" from \"snapshot\"")).containsExactly(renamed);
        }
    }

    private static java.util.List<String> ids(Connection c, String sql) throws Exception {
        java.util.List<String> ids = new java.util.ArrayList<>();
        try (ResultSet rs = c.createStatement().executeQuery(sql)) {
            while (rs.next()) {
                ids.add(rs.getString(1));
            }
        }
        return ids;
    }

    @Test
    void pluginSettingsFollowTheDialect() {
        assertThat(JournalDatabase.of("jdbc:postgresql://127.0.0.1/norc", "norc", "pw").pluginSettings())
                .containsEntry("pekko-persistence-jdbc.shared-databases.slick.profile", "slick.jdbc.PostgresProfile$")
                .containsEntry("pekko-persistence-jdbc.shared-databases.slick.db.driver", "org.postgresql.Driver");
        assertThat(JournalDatabase.of("jdbc:h2:file:/x;A=B", "", "").redactedUrl()).isEqualTo("jdbc:h2:file:/x");
        assertThatThrownBy(() -> JournalDatabase.of("jdbc:mysql://x", "", "")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void splitsStatementsAndSkipsComments() {
        assertThat(JournalDatabase.statements("-- c\nCREATE A (\n x);\nCREATE B;\n")).containsExactly("CREATE A (\n x)", "CREATE B");
    }
}
