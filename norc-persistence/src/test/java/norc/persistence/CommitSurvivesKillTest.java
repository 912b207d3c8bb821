package norc.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server acknowledges a message once its journal commit returns, so a commit to the default
 * embedded database must survive the process being killed right after (SIGKILL: no shutdown hook,
 * no close). With H2's own default write delay the last second of commits is lost this way.
 */
class CommitSurvivesKillTest {
    @TempDir
    Path dir;

    @Test
    void everyCommitThatReturnedIsThereAfterAKill() throws Exception {
        Path file = dir.resolve("norc");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process writer = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                CrashWriter.class.getName(), file.toString()).redirectErrorStream(true).start();
        long lastAcknowledged = -1;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(writer.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            // a few thousand commits, well inside H2's default one-second delay window at the end
            while ((line = out.readLine()) != null) {
                lastAcknowledged = Long.parseLong(line.strip());
                if (lastAcknowledged >= 3000) {
                    writer.destroyForcibly(); // SIGKILL on Linux
                    break;
                }
            }
        } finally {
            writer.destroyForcibly();
            assertThat(writer.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(lastAcknowledged).as("the writer committed").isGreaterThanOrEqualTo(3000);

        try (Connection c = DriverManager.getConnection(JournalDatabase.h2FileUrl(file), "sa", "");
             ResultSet rows = c.createStatement().executeQuery("select count(*), max(n) from probe")) {
            rows.next();
            assertThat(rows.getLong(2)).as("highest row after the kill").isGreaterThanOrEqualTo(lastAcknowledged);
            assertThat(rows.getLong(1)).as("rows after the kill").isEqualTo(rows.getLong(2) + 1);
        }
    }

    @Test
    void theDefaultUrlKeepsNamesAsWrittenAndCommitsWithoutDelay() {
        assertThat(JournalDatabase.h2FileUrl(Path.of("/data/db/norc")))
                .isEqualTo("jdbc:h2:file:/data/db/norc;DATABASE_TO_UPPER=false;WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE");
    }
}
