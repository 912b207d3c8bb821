package norc.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import java.util.Set;
import norc.wire.Codec;
import norc.wire.ProtocolVersion;
import norc.wire.WireEncoding;
import norc.wire.WireLimits;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Groups profile D in the session layer: with {@code tk_update_v1} negotiated both halves switch
 * to {@code k[n+1]} at every 1000th frame from the direction's first sequence, in lockstep, and a
 * receiver takes frames only of its current epoch or the next; without it one key serves the
 * whole session.
 */
class TrafficKeyUpdateTest {
    static final SecureRandom RANDOM = new SecureRandom();

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("norc.session.SessionTest#modes")
    void threeThousandFramesCrossThreeEpochBoundaries(WireEncoding encoding, ProtocolVersion version) {
        SessionKeys keys = SessionTest.keys(version, Set.of(SessionKeys.TK_UPDATE));
        Codec codec = encoding.codec(WireLimits.DEFAULT);
        SendSession sender = new SendSession(keys, codec, true, SendSession.randomInitialSequence(RANDOM));
        ReceiveSession receiver = new ReceiveSession(keys, codec, true, 1024, 8, ReceiveSession.IntegrityListener.NONE);
        // a receiver that never updates its key: it must stop opening frames at the 1001st
        ReceiveSession stale = new ReceiveSession(new SessionKeys(keys.version(), keys.suite(), keys.compatibilityMode(),
                keys.sessionId(), keys.serverId(), keys.serverPublicKey(), keys.transcriptHash(), keys.clientToServer(),
                keys.serverToClient()), codec, true, 1024, 100_000, ReceiveSession.IntegrityListener.NONE);
        for (int i = 0; i < 3000; i++) {
            byte[] frame = sender.seal(SessionTest.presence(i));
            assertThat(receiver.open(frame)).as("frame %d", i).isInstanceOf(ReceiveSession.Accepted.class);
            ReceiveSession.Received old = stale.open(frame);
            if (i < 1000) {
                assertThat(old).as("frame %d under k[0]", i).isInstanceOf(ReceiveSession.Accepted.class);
            } else {
                assertThat(old).as("frame %d under k[0]", i).isEqualTo(
                        new ReceiveSession.Discarded(ReceiveSession.DiscardReason.AEAD_FAILURE, false));
            }
        }
        assertThat(receiver.accepted()).isEqualTo(3000);
        assertThat(sender.sent()).isEqualTo(3000);
        assertThat(receiver.aeadFailures()).isZero();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("norc.session.SessionTest#modes")
    void aFrameTwoEpochsAheadIsAnAeadFailure(WireEncoding encoding, ProtocolVersion version) {
        if (version.major() == 1) {
            return; // 1.x has no sequence on the wire: frames cannot skip ahead
        }
        SessionKeys keys = SessionTest.keys(version, Set.of(SessionKeys.TK_UPDATE));
        Codec codec = encoding.codec(WireLimits.DEFAULT);
        SendSession sender = new SendSession(keys, codec, true, 10);
        ReceiveSession receiver = new ReceiveSession(keys, codec, true, 4096, 8, ReceiveSession.IntegrityListener.NONE);
        assertThat(receiver.open(sender.seal(SessionTest.presence(0)))).isInstanceOf(ReceiveSession.Accepted.class);
        byte[] skipped = null;
        for (int i = 1; i <= 2000; i++) {
            skipped = sender.seal(SessionTest.presence(i)); // the receiver sees none of these
        }
        // sequence 10 + 2000 is epoch 2 while the receiver is in epoch 0
        assertThat(receiver.open(skipped)).isInstanceOf(ReceiveSession.Discarded.class);
        assertThat(receiver.aeadFailures()).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("norc.session.SessionTest#modes")
    void withoutTheCapabilityOneKeyServesTheSession(WireEncoding encoding, ProtocolVersion version) {
        SessionKeys keys = SessionTest.keys(version, Set.of());
        Codec codec = encoding.codec(WireLimits.DEFAULT);
        SendSession sender = new SendSession(keys, codec, false, SendSession.randomInitialSequence(RANDOM));
        ReceiveSession receiver = new ReceiveSession(keys, codec, false, 1024, 8, ReceiveSession.IntegrityListener.NONE);
        for (int i = 0; i < 2500; i++) {
            assertThat(receiver.open(sender.seal(SessionTest.presence(i)))).isInstanceOf(ReceiveSession.Accepted.class);
        }
    }

    @org.junit.jupiter.api.Test
    void onlyCapabilitiesBothSidesNameAreNegotiated() {
        assertThat(SessionKeys.negotiated(java.util.List.of("e2ee", "tk_update_v1", "groups_v1"),
                java.util.List.of("tk_update_v1", "e2ee", "files_v1"))).containsExactlyInAnyOrder("e2ee", "tk_update_v1");
    }
}
