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
