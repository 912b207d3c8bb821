package norc.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import norc.crypto.Bytes;
import org.junit.jupiter.api.Test;

/** The {@code audit_chain} section of {@code norc-vectors.json}, and tamper detection. */
class AuditChainTest {
    static List<AuditChain.Entry> vectorLog() throws Exception {
        JsonNode chain;
        try (InputStream in = AuditChainTest.class.getResourceAsStream("/vectors/norc-vectors.json")) {
            chain = new ObjectMapper().readTree(in).get("audit_chain");
        }
        List<AuditChain.Entry> log = new ArrayList<>();
        byte[] prev = AuditChain.GENESIS;
        for (JsonNode step : chain) {
            byte[] entry = step.get("canonical_entry").asText().getBytes(StandardCharsets.UTF_8);
            assertThat(Bytes.hex(prev)).isEqualTo(step.get("prev_hash").asText());
            byte[] hash = AuditChain.entryHash(prev, entry);
            assertThat(Bytes.hex(hash)).isEqualTo(step.get("entry_hash").asText());
            log.add(new AuditChain.Entry(entry, hash));
            prev = hash;
        }
        assertThat(log).hasSize(2);
        return log;
    }

    @Test
    void reproducesTheVectorChain() throws Exception {
        assertThat(AuditChain.verify(vectorLog())).isTrue();
    }

    @Test
    void findsAnAlteredOrRemovedEntry() throws Exception {
        List<AuditChain.Entry> log = vectorLog();
        byte[] altered = log.get(0).canonicalEntry().clone();
        altered[10] ^= 1;
        assertThat(AuditChain.firstBrokenLink(List.of(new AuditChain.Entry(altered, log.get(0).entryHash()), log.get(1))))
                .isZero();
        assertThat(AuditChain.firstBrokenLink(List.of(log.get(1)))).as("first entry removed").isZero();
    }
}
