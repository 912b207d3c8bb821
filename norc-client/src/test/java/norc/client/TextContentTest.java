package norc.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The CLI's content format and the default conversation ids. */
class TextContentTest {

    @Test
    void encodesExactlyTheDocumentedJson() {
        byte[] encoded = new TextContent("hé \"there\"", 1_700_000_000_000_000L).encode();
        assertThat(new String(encoded, StandardCharsets.UTF_8))
                .isEqualTo("{\"text\":\"hé \\\"there\\\"\",\"sent_at\":1700000000000000}");
        assertThat(TextContent.decode(encoded)).contains(new TextContent("hé \"there\"", 1_700_000_000_000_000L));
    }

    @Test
    void unknownMembersAreIgnoredAndOtherFormatsAreNotText() {
        assertThat(TextContent.decode("{\"sent_at\":5,\"text\":\"x\",\"later\":true}".getBytes(StandardCharsets.UTF_8)))
                .contains(new TextContent("x", 5));
        assertThat(TextContent.decode("{\"text\":\"x\"}".getBytes(StandardCharsets.UTF_8))).isEmpty();
        assertThat(TextContent.decode("{\"text\":1,\"sent_at\":5}".getBytes(StandardCharsets.UTF_8))).isEmpty();
        assertThat(TextContent.decode("{\"text\":\"x\",\"sent_at\":1.5}".getBytes(StandardCharsets.UTF_8))).isEmpty();
        assertThat(TextContent.decode(new byte[] {(byte) 0xff, 0})).isEmpty();
        assertThat(new TextContent("secret", 1).toString()).doesNotContain("secret");
    }

    @Test
    void theDefaultConversationDependsOnTheParticipantSetOnly() {
        UUID ab = ConversationIds.forParticipants(List.of("alice@example", "bob@example"));
        assertThat(ConversationIds.forParticipants(List.of("bob@example", "alice@example", "bob@example"))).isEqualTo(ab);
        assertThat(ConversationIds.forParticipants(List.of("alice@example", "carol@example"))).isNotEqualTo(ab);
        assertThat(ab.version()).isEqualTo(8);
        assertThat(ab.variant()).isEqualTo(2);
    }
}
