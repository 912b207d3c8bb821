package norc.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import norc.wire.MessageType.Layer;
import norc.wire.MessageType.Sender;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Who may send a type is per link (federation profile §4, profile fix): NORC-C's direction checks
 * are unchanged, and a NORC-F link carries {@code key_request}/{@code key_response} server to server.
 */
class MessageTypeSenderTest {

    @ParameterizedTest
    @EnumSource(MessageType.class)
    void norcCDirectionIsTheSessionCheck(MessageType type) {
        assertThat(type.senderOn(Layer.NORC_C)).isSameAs(type.sender()).isNotEqualTo(Sender.NONE);
    }

    @ParameterizedTest
    @EnumSource(MessageType.class)
    void norcFCarriesItsOwnTypesTrustCommonAndKeyLookups(MessageType type) {
        boolean carried = type.layer() != Layer.NORC_C || type == MessageType.KEY_REQUEST || type == MessageType.KEY_RESPONSE;
        assertThat(type.senderOn(Layer.NORC_F)).isEqualTo(carried ? Sender.SERVER : Sender.NONE);
        assertThat(type.senderOn(Layer.NORC_F).allows(false)).isEqualTo(carried);
        assertThat(type.senderOn(Layer.NORC_F).allows(true)).isFalse();
    }

    @Test
    void keyLookupsKeepTheirNorcCDirection() {
        assertThat(MessageType.KEY_REQUEST.sender()).isEqualTo(Sender.CLIENT);
        assertThat(MessageType.KEY_RESPONSE.sender()).isEqualTo(Sender.SERVER);
        assertThat(MessageType.KEY_REQUEST.sender().allows(false)).as("a NORC-C server never sends key_request").isFalse();
        assertThat(MessageType.KEY_RESPONSE.sender().allows(true)).as("a NORC-C client never sends key_response").isFalse();
    }

    @Test
    void senderAllows() {
        assertThat(Sender.CLIENT.allows(true)).isTrue();
        assertThat(Sender.CLIENT.allows(false)).isFalse();
        assertThat(Sender.SERVER.allows(true)).isFalse();
        assertThat(Sender.SERVER.allows(false)).isTrue();
        assertThat(Sender.EITHER.allows(true)).isTrue();
        assertThat(Sender.EITHER.allows(false)).isTrue();
        assertThat(Sender.NONE.allows(true)).isFalse();
        assertThat(Sender.NONE.allows(false)).isFalse();
    }

    @Test
    void trustAndCommonAreNoLinksOfTheirOwn() {
        assertThatThrownBy(() -> MessageType.TRUST_REQUEST.senderOn(Layer.NORC_T)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MessageType.ERROR.senderOn(Layer.COMMON)).isInstanceOf(IllegalArgumentException.class);
    }
}
