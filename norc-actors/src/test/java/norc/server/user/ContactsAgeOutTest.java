package norc.server.user;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Presence contacts are forgotten {@code contacts-ttl} after the last stored copy between two
 * users (hardening issue: no permanent record of who talked to whom): the state drops them as
 * later contacts are recorded, and never hands out one past its time.
 */
class ContactsAgeOutTest {
    private static final long DAY = 24 * 3600 * 1000L;
    private static final long TTL = 30 * DAY;

    @Test
    void aContactIsForgottenItsTimeToLiveAfterItWasLastRecorded() {
        long t0 = 1_800_000_000_000L;
        UserEntity.State state = UserEntity.State.EMPTY.created().withContacts(Set.of("bob@x", "carol@x"), t0, TTL);
        assertThat(state.currentContacts(t0 + DAY, TTL)).containsExactlyInAnyOrder("bob@x", "carol@x");
        state = state.withContacts(Set.of("bob@x"), t0 + 20 * DAY, TTL); // bob wrote again, carol did not
        assertThat(state.currentContacts(t0 + 31 * DAY, TTL)).containsExactly("bob@x");
        state = state.withContacts(Set.of("dave@x"), t0 + 31 * DAY, TTL); // carol leaves the state, not only the answer
        assertThat(state.contacts()).containsOnlyKeys("bob@x", "dave@x");
        assertThat(state.currentContacts(t0 + 51 * DAY, TTL)).containsExactly("dave@x");
    }

    @Test
    void contactsRecordedBeforeTheyAgedOutAreGoneAtOnce() {
        UserEntity.State legacy = new UserEntity.State(true, Map.of(), Map.of(), Map.of("bob@x", 0L));
        assertThat(legacy.currentContacts(System.currentTimeMillis(), TTL)).isEmpty();
    }
}
