package norc.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import norc.crypto.CipherSuite;
import norc.error.ErrorCode;
import norc.error.NorcException;
import norc.wire.Codec;
import norc.wire.MessageType;
import norc.wire.ProtocolVersion;
import norc.wire.WireEncoding;
import norc.wire.WireLimits;
import norc.wire.message.Atoms.PresenceStatus;
import norc.wire.message.AuthRequest;
import norc.wire.message.AuthResponse;
import norc.wire.message.Atoms.AuthStatus;
import norc.wire.message.PresenceUpdate;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Sealing and opening session frames: round trips, replay, tampering, chain breaks, 1.x mode. */
class SessionTest {
    static final SecureRandom RANDOM = new SecureRandom();

    static List<Arguments> modes() {
        List<Arguments> modes = new ArrayList<>();
        for (WireEncoding encoding : WireEncoding.values()) {
            for (ProtocolVersion version : List.of(new ProtocolVersion(2, 0), new ProtocolVersion(1, 2))) {
                modes.add(Arguments.of(encoding, version));
            }
        }
        return modes;
    }

    static SessionKeys keys(ProtocolVersion version) {
        return keys(version, java.util.Set.of());
    }

    /** Random keys of a session of {@code version} that negotiated {@code capabilities}. */
    static SessionKeys keys(ProtocolVersion version, java.util.Set<String> capabilities) {
        byte[] c2s = new byte[32];
        byte[] s2c = new byte[32];
        byte[] th = new byte[32];
        RANDOM.nextBytes(c2s);
        RANDOM.nextBytes(s2c);
        RANDOM.nextBytes(th);
        return new SessionKeys(version, CipherSuite.S0001, version.major() == 1, UUID.randomUUID(), "a.example",
                new byte[32], th, c2s, s2c, capabilities);
    }

    static PresenceUpdate presence(int i) {
        return new PresenceUpdate(PresenceStatus.ONLINE, Optional.of("status " + i), List.of("messaging"), i, Optional.empty());
    }

    record Pair(SendSession sender, ReceiveSession receiver, List<UUID> alerts) {}

    static Pair pair(WireEncoding encoding, ProtocolVersion version, int maxFailures) {
        SessionKeys keys = keys(version);
        Codec codec = encoding.codec(WireLimits.DEFAULT);
        List<UUID> alerts = new ArrayList<>();
        return new Pair(new SendSession(keys, codec, true, SendSession.randomInitialSequence(RANDOM)),
                new ReceiveSession(keys, codec, true, 1024, maxFailures, (session, seq) -> alerts.add(session)), alerts);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("modes")
    void framesRoundTripInOrder(WireEncoding encoding, ProtocolVersion version) {
        Pair p = pair(encoding, version, 8);
        for (int i = 0; i < 50; i++) {
            ReceiveSession.Received received = p.receiver().open(p.sender().seal(presence(i)));
            assertThat(received).isInstanceOf(ReceiveSession.Accepted.class);
            PresenceUpdate update = (PresenceUpdate) ((ReceiveSession.Accepted) received).message();
            assertThat(update.statusMessage()).contains("status " + i);
            assertThat(update.lastSeen()).isEqualTo(i);
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("modes")
    void aReplayedFrameIsDiscardedSilently(WireEncoding encoding, ProtocolVersion version) {
        Pair p = pair(encoding, version, 8);
        byte[] frame = p.sender().seal(presence(1));
        assertThat(p.receiver().open(frame)).isInstanceOf(ReceiveSession.Accepted.class);
        ReceiveSession.Received again = p.receiver().open(frame);
        assertThat(again).isInstanceOf(ReceiveSession.Discarded.class);
        // 2.x: the window catches it; 1.x: the implicit counter moved, so the nonce no longer matches
        assertThat(((ReceiveSession.Discarded) again).reason()).isEqualTo(version.major() == 1
                ? ReceiveSession.DiscardReason.AEAD_FAILURE : ReceiveSession.DiscardReason.REPLAY);
        assertThat(p.receiver().open(p.sender().seal(presence(2)))).isInstanceOf(ReceiveSession.Accepted.class);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("modes")
    void aTamperedFrameIsDiscardedAndDoesNotMoveTheWindow(WireEncoding encoding, ProtocolVersion version) {
        Pair p = pair(encoding, version, 8);
        byte[] frame = p.sender().seal(presence(1));
        byte[] tampered = frame.clone();
        if (encoding == WireEncoding.BINARY) {
            tampered[tampered.length - 1] ^= 1;
        } else {
            String text = new String(frame, java.nio.charset.StandardCharsets.UTF_8);
            int at = text.indexOf("\"ciphertext\":\"") + 20;
            char c = text.charAt(at);
            tampered = (text.substring(0, at) + (c == 'A' ? 'B' : 'A') + text.substring(at + 1))
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
        assertThat(p.receiver().open(tampered))
                .isEqualTo(new ReceiveSession.Discarded(ReceiveSession.DiscardReason.AEAD_FAILURE, false));
        assertThat(p.receiver().aeadFailures()).isEqualTo(1);
        // the genuine frame with the same sequence is still accepted afterwards
        assertThat(p.receiver().open(frame)).isInstanceOf(ReceiveSession.Accepted.class);
    }

    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.EnumSource(WireEncoding.class)
    void aChainMismatchIsDiscardedWithAnIntegrityAlert(WireEncoding encoding) {
        Pair p = pair(encoding, new ProtocolVersion(2, 0), 8);
        byte[] first = p.sender().seal(presence(1));
        byte[] second = p.sender().seal(presence(2));
        // the first frame is lost: the second's prev_message_hash names a frame the receiver never accepted
        assertThat(p.receiver().open(second))
                .isEqualTo(new ReceiveSession.Discarded(ReceiveSession.DiscardReason.CHAIN_MISMATCH, false));
        assertThat(p.alerts()).hasSize(1);
        assertThat(p.receiver().chainMismatches()).isEqualTo(1);
        // the chain did not move: delivering both in order still works
        assertThat(p.receiver().open(first)).isInstanceOf(ReceiveSession.Accepted.class);
        assertThat(p.receiver().open(second)).isInstanceOf(ReceiveSession.Accepted.class);
    }

    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.EnumSource(WireEncoding.class)
    void repeatedFailuresAskToCloseTheConnection(WireEncoding encoding) {
        Pair p = pair(encoding, new ProtocolVersion(2, 0), 3);
        Pair stranger = pair(encoding, new ProtocolVersion(2, 0), 3); // other keys: every frame fails the AEAD
        for (int i = 1; i <= 3; i++) {
            ReceiveSession.Received r = p.receiver().open(stranger.sender().seal(presence(i)));
            assertThat(r).isEqualTo(new ReceiveSession.Discarded(ReceiveSession.DiscardReason.AEAD_FAILURE, i == 3));
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("modes")
    void aServerOnlyTypeFromTheClientIsUnexpected(WireEncoding encoding, ProtocolVersion version) {
        Pair p = pair(encoding, version, 8);
        byte[] frame = p.sender().seal(new AuthResponse(AuthStatus.AUTHENTICATED, UUID.randomUUID(), "a@b",
                UUID.randomUUID(), 0, 0));
        assertThatThrownBy(() -> p.receiver().open(frame)).isInstanceOfSatisfying(NorcException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.UNEXPECTED_MESSAGE));
    }

    @org.junit.jupiter.api.Test
    void legacySessionsUseTheOldCodesAndTheShortHeader() {
        SessionKeys keys = keys(new ProtocolVersion(1, 2));
        Codec codec = WireEncoding.BINARY.codec(WireLimits.DEFAULT);
        SendSession sender = new SendSession(keys, codec, true, 0);
        byte[] frame = sender.seal(new AuthRequest("a@b", UUID.randomUUID(), 1, new byte[64]));
        assertThat(frame[0]).isEqualTo((byte) 1);
        assertThat(frame[1]).isEqualTo((byte) 2);
        assertThat(frame[2] & 0xFF).isEqualTo(MessageType.AUTH_REQUEST.codeFor(1)).isEqualTo(0x02);
        assertThat(frame.length - norc.wire.FrameHeader.V1_LENGTH).isEqualTo(256 + 16);
        ReceiveSession receiver = new ReceiveSession(keys, codec, true, 1024, 8, ReceiveSession.IntegrityListener.NONE);
        ReceiveSession.Accepted accepted = (ReceiveSession.Accepted) receiver.open(frame);
        assertThat(accepted.message()).isInstanceOf(AuthRequest.class);
        assertThat(accepted.sequence()).isZero();
    }
}
