package norc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import norc.wire.ProtocolTables;
import org.junit.jupiter.api.Test;

/**
 * {@code PROTOCOL.md} carries the field tables generated from the message records. This test fails
 * when they differ; run it with {@code -Dnorc.regenerateProtocolDoc=true} to rewrite the section.
 */
class ProtocolDocTest {
    @Test
    void protocolDocumentCarriesTheGeneratedFieldTables() throws IOException {
        Path doc = Path.of("..", "PROTOCOL.md");
        String text = Files.readString(doc, StandardCharsets.UTF_8);
        int begin = text.indexOf(ProtocolTables.BEGIN);
        int end = text.indexOf(ProtocolTables.END);
        assertThat(begin).as("PROTOCOL.md has the BEGIN marker").isNotNegative();
        assertThat(end).as("PROTOCOL.md has the END marker").isGreaterThan(begin);
        String current = text.substring(begin, end + ProtocolTables.END.length() + 1);
        String generated = ProtocolTables.render();
        if (Boolean.getBoolean("norc.regenerateProtocolDoc")) {
            Files.writeString(doc, text.substring(0, begin) + generated + text.substring(end + ProtocolTables.END.length() + 1),
                    StandardCharsets.UTF_8);
            return;
        }
        assertThat(current).as("PROTOCOL.md field tables are stale: rerun this test with -Dnorc.regenerateProtocolDoc=true")
                .isEqualTo(generated);
    }
}
