package norc.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import norc.crypto.CipherSuite;
import norc.crypto.Ed25519;
import norc.error.ErrorCode;
import norc.session.ClientHandshake;
import norc.session.SessionKeys;
import norc.wire.WireEncoding;
import norc.wire.message.AuthRequest;
import norc.wire.message.AuthResponse;
import norc.wire.message.ErrorMessage;
import norc.wire.message.Atoms.AckStatus;
import norc.wire.message.MessageAck;
import norc.wire.message.KeyRequest;
import norc.wire.message.KeyResponse;
import norc.wire.message.NorcMessage;
import norc.wire.message.TimeSync;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile input at the NORC-C layer, each with the answer the spec and profile prescribe: an
 * error with the exact code, or a silent discard; never a crash, and never a hint whether a user
 * or device exists.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileInputIT {
    private static final Duration QUIET = Duration.ofMillis(1500);

    @TempDir
    static Path dir;
    TestServer server;
    String userId;
    RawClient owner; // a registered device; other tests authenticate it elsewhere, which supersedes this connection

    @BeforeAll
    void start() throws Exception {
        server = TestServer.start(dir, "norc.client.pre-auth-timeout = 2s");
        userId = "victim@" + server.serverId();
        owner = registered(userId);
    }

    @AfterAll
    void stop() {
        server.close();
    }

    private RawClient registered(String user) throws Exception {
        return RawClient.registered(server, user);
    }

    private static ErrorMessage error(NorcMessage message) {
        assertThat(message).isInstanceOf(ErrorMessage.class);
        return (ErrorMessage) message;
    }

    /** {@code message_ack} has a budget too (hardening issue): a flood of them is answered {@code 6001}, not queued to the entity. */
    @Test
    void aFloodOfAcknowledgementsIsRateLimited() throws Exception {
        RawClient client = registered("acker@" + server.serverId());
        for (int i = 0; i < 5000; i++) { // the burst is 512, the refill 1,000 a second
            client.send(new MessageAck(UUID.randomUUID(), AckStatus.DELIVERED, Optional.empty(), Optional.empty()));
        }
        ErrorMessage refused = error(client.receive());
        assertThat(refused.errorCode()).isEqualTo(ErrorCode.RATE_LIMITED.code());
        assertThat(refused.retryAfter()).hasValueSatisfying(seconds -> assertThat(seconds).isPositive());
        client.close();
    }

    @Test
    void noCompatibleVersionIsRefusedBeforeKeysAndClosed() throws Exception {
        RawClient client = RawClient.open(server, WireEncoding.BINARY);
        ClientHandshake hs = ClientHandshake.start(new ClientHandshake.Offer(List.of("9.0"), List.of(CipherSuite.S0001),
                List.of("messaging")), client.codec, TestServer.RANDOM);
        client.sendFrame(hs.requestBytes());
        assertThat(error(client.receivePlain()).errorCode()).isEqualTo(ErrorCode.NO_COMPATIBLE_VERSION.code());
        assertThat(client.closedWithin(Duration.ofSeconds(5))).isTrue();
    }

    @Test
    void forgedAuthAndUnknownUserGetTheSameAnswer() throws Exception {
        RawClient forged = RawClient.handshaken(server, WireEncoding.BINARY);
        forged.send(forged.auth(userId, owner.deviceId, Ed25519.generate(TestServer.RANDOM).secretKey(), RawClient.nowMicros()));
        ErrorMessage forgedAnswer = error(forged.receive());
        assertThat(forgedAnswer.errorCode()).isEqualTo(ErrorCode.AUTHENTICATION_FAILED.code());
        assertThat(forged.closedWithin(Duration.ofSeconds(5))).isTrue();

        RawClient unknown = RawClient.handshaken(server, WireEncoding.BINARY);
        unknown.send(unknown.auth("nobody@" + server.serverId(), UUID.randomUUID(), unknown.signing.secretKey(), RawClient.nowMicros()));
        ErrorMessage unknownAnswer = error(unknown.receive());
        assertThat(unknownAnswer).usingRecursiveComparison().isEqualTo(forgedAnswer);
    }

    @Test
    void authSignedForAnotherSessionIsRefused() throws Exception {
        RawClient first = RawClient.handshaken(server, WireEncoding.BINARY);
        AuthRequest boundToFirst = first.auth(userId, owner.deviceId, owner.signing.secretKey(), RawClient.nowMicros());
        RawClient second = RawClient.handshaken(server, WireEncoding.BINARY);
        second.send(boundToFirst);
        assertThat(error(second.receive()).errorCode()).isEqualTo(ErrorCode.AUTHENTICATION_FAILED.code());
        // the same device signing for its own session is accepted: the refusal was the channel binding
        first.send(first.auth(userId, owner.deviceId, owner.signing.secretKey(), RawClient.nowMicros()));
        assertThat(first.receive()).isInstanceOf(AuthResponse.class);
        first.close();
    }

    @Test
    void staleAuthTimestampIsRefused() throws Exception {
        RawClient client = RawClient.handshaken(server, WireEncoding.BINARY);
        client.send(client.auth(userId, owner.deviceId, owner.signing.secretKey(), RawClient.nowMicros() - 60_000_000L));
        assertThat(error(client.receive()).errorCode()).isEqualTo(ErrorCode.STALE_TIMESTAMP_AUTH.code());
    }

    @Test
    void requestBeforeAuthenticationIsRefusedAndTheSessionMayStillAuthenticate() throws Exception {
        RawClient client = RawClient.handshaken(server, WireEncoding.BINARY);
        client.send(new KeyRequest(List.of(userId), Optional.empty()));
        assertThat(error(client.receive()).errorCode()).isEqualTo(ErrorCode.AUTHENTICATION_FAILED.code());
        client.send(client.auth(userId, owner.deviceId, owner.signing.secretKey(), RawClient.nowMicros()));
        assertThat(client.receive()).isInstanceOf(AuthResponse.class);
        client.close();
    }

    @Test
    void replayedFrameIsDroppedSilently() throws Exception {
        RawClient owner = registered("replay@" + server.serverId()); // the shared one gets superseded by other tests
        byte[] frame = owner.seal(new TimeSync(RawClient.nowMicros(), 0, 0, Optional.empty()));
        owner.sendFrame(frame);
        assertThat(owner.receive()).isInstanceOf(TimeSync.class);
        owner.sendFrame(frame);
        assertThat(owner.receive(QUIET)).isNull();
        owner.send(new TimeSync(RawClient.nowMicros(), 0, 0, Optional.empty()));
        assertThat(owner.receive()).isInstanceOf(TimeSync.class); // still connected
    }

    @Test
    void tamperedFrameIsDroppedSilentlyAndDoesNotBlockTheGenuineOne() throws Exception {
        RawClient owner = registered("tamper@" + server.serverId());
        byte[] frame = owner.seal(new TimeSync(RawClient.nowMicros(), 0, 0, Optional.empty()));
        byte[] tampered = frame.clone();
        tampered[tampered.length - 1] ^= 1;
        owner.sendFrame(tampered);
        assertThat(owner.receive(QUIET)).isNull();
        owner.sendFrame(frame); // the window did not move for the forgery
        assertThat(owner.receive()).isInstanceOf(TimeSync.class);
    }

    @Test
    void chainMismatchIsDroppedSilently() throws Exception {
        RawClient client = registered("chain@" + server.serverId());
        client.seal(new TimeSync(RawClient.nowMicros(), 0, 0, Optional.empty())); // sealed, never sent
        client.send(new TimeSync(RawClient.nowMicros(), 0, 0, Optional.empty())); // chains to the missing one
        assertThat(client.receive(QUIET)).isNull();
        client.close();
    }

    @Test
    void unknownTypeInAnAuthenticFrameIsAnswered() throws Exception {
        RawClient client = registered("types@" + server.serverId());
        client.sendFrame(client.authenticFrameWithType(0x7A, new byte[] {1, 2, 3}));
        assertThat(error(client.receive()).errorCode()).isEqualTo(ErrorCode.UNKNOWN_MESSAGE_TYPE.code());
        client.close();
    }

    /**
     * Groups profile §0: a feature is on only when both sides list it. A session that did not offer
     * {@code groups_v1} gets {@code 3011} for group requests, as every session does for files
     * ({@code files_v1} is not advertised yet) and for a server-only type from a client; the
     * session goes on, and a rotation naming another device is {@code 2001}.
     */
    @Test
    void messagesOfFeaturesNotNegotiatedAreUnexpected() throws Exception {
        String user = "features@" + server.serverId();
        ClientHandshake.Offer withoutGroups = new ClientHandshake.Offer(ClientHandshake.Offer.defaults().versions(),
                ClientHandshake.Offer.defaults().suites(), List.of("e2ee", "messaging", SessionKeys.TK_UPDATE, SessionKeys.KEY_ROTATION));
        RawClient client = RawClient.registered(server, user, withoutGroups);
        UUID id = UUID.randomUUID();
        List<NorcMessage> requests = List.of(
                new norc.wire.message.ConversationCreate(UUID.randomUUID(), id, java.util.Map.of(), info(user)),
                new norc.wire.message.MembershipRequest(UUID.randomUUID(), id),
                new norc.wire.message.FileChunkUpload(UUID.randomUUID(), id, 1, 256, 0, new byte[272]),
                new norc.wire.message.FileChunkRequest(UUID.randomUUID(), 0),
                // a server-only type from the client is refused the same way
                new norc.wire.message.KeyExpiryNotice(UUID.randomUUID(), 1));
        for (NorcMessage request : requests) {
            client.send(request);
            assertThat(error(client.receive()).errorCode()).as(request.messageType().wireName())
                    .isEqualTo(ErrorCode.UNEXPECTED_MESSAGE.code());
        }
        client.send(new norc.wire.message.DeviceKeyRotate(user, UUID.randomUUID(), UUID.randomUUID(), new byte[32],
                new byte[32], RawClient.nowMicros(), new byte[64], new byte[64]));
        assertThat(error(client.receive()).errorCode()).isEqualTo(ErrorCode.FORBIDDEN.code());
        client.send(new TimeSync(RawClient.nowMicros(), 0, 0, Optional.empty()));
        assertThat(client.receive()).isInstanceOf(TimeSync.class); // still connected
        client.close();
    }

    /**
     * Malformed group requests with {@code groups_v1} on get the profile's answers, each naming
     * only the request: a creation inviting nobody is {@code 3014}, a non-v4 id {@code 3009}, a
     * snapshot or an update of an id that is no group {@code 2001}; the session goes on.
     */
    @Test
    void malformedGroupRequestsGetTheProfilesAnswers() throws Exception {
        String user = "grouper@" + server.serverId();
        RawClient client = registered(user);
        UUID requestId = UUID.randomUUID();
        client.send(new norc.wire.message.ConversationCreate(requestId, UUID.randomUUID(), java.util.Map.of(), info(user)));
        ErrorMessage nobody = error(client.receive());
        assertThat(nobody.errorCode()).isEqualTo(ErrorCode.INVALID_CHANGE.code());
        assertThat(nobody.details()).containsEntry("request_id", requestId.toString());
        client.send(new norc.wire.message.ConversationCreate(UUID.randomUUID(), new UUID(0, 0),
                java.util.Map.of("x@" + server.serverId(), norc.wire.message.Atoms.InvitedRole.MEMBER), info(user)));
        assertThat(error(client.receive()).errorCode()).isEqualTo(ErrorCode.INVALID_FIELD.code());
        for (NorcMessage request : List.<NorcMessage>of(new norc.wire.message.MembershipRequest(requestId, UUID.randomUUID()),
                new norc.wire.message.ConversationUpdate(requestId, UUID.randomUUID(), 1, norc.wire.message.Atoms.ConversationAction.LEAVE,
                        List.of(), Optional.empty(), Optional.empty(), java.util.Map.of()))) {
            client.send(request);
            ErrorMessage refused = error(client.receive());
            assertThat(refused.errorCode()).isEqualTo(ErrorCode.FORBIDDEN.code());
            assertThat(refused.details()).containsOnlyKeys("request_id");
        }
        client.send(new TimeSync(RawClient.nowMicros(), 0, 0, Optional.empty()));
        assertThat(client.receive()).isInstanceOf(TimeSync.class); // still connected
        client.close();
    }

    private static norc.wire.message.ConversationInfo info(String user) {
        return new norc.wire.message.ConversationInfo(UUID.randomUUID(), user, UUID.randomUUID(), new byte[272], java.util.Map.of(),
                new byte[64]);
    }

    @Test
    void oversizedMessageIsRefusedAndClosed() throws Exception {
        RawClient client = registered("big@" + server.serverId());
        client.sendFrame(new byte[4 * 1024 * 1024 + 128 * 1024]);
        assertThat(error(client.receive()).errorCode()).isEqualTo(ErrorCode.LIMIT_EXCEEDED.code());
        assertThat(client.closedWithin(Duration.ofSeconds(5))).isTrue();
    }

    @Test
    void keyLookupsPastTheBudgetAreRateLimitedWithRetryAfter() throws Exception {
        RawClient client = registered("lookups@" + server.serverId());
        for (int i = 0; i < 30; i++) { // spec §6.16: 30 per minute
            client.send(new KeyRequest(List.of(userId), Optional.empty()));
            assertThat(client.receive()).isInstanceOf(KeyResponse.class);
        }
        client.send(new KeyRequest(List.of(userId), Optional.empty()));
        ErrorMessage limited = error(client.receive());
        assertThat(limited.errorCode()).isEqualTo(ErrorCode.RATE_LIMITED.code());
        assertThat(limited.retryAfter()).hasValueSatisfying(seconds -> assertThat(seconds).isBetween(1L, 60L));
        client.close();
    }

    @Test
    void unknownUsersLookLikeUsersWithoutDevices() throws Exception {
        RawClient client = registered("looker@" + server.serverId());
        String nobody = "nobody@" + server.serverId();
        String empty = "empty@" + server.serverId();
        server.createUserWithToken(empty);
        client.send(new KeyRequest(List.of(nobody, empty, userId), Optional.empty()));
        KeyResponse keys = (KeyResponse) client.receive();
        assertThat(keys.keys().get(nobody)).isEmpty();
        assertThat(keys.keys().get(empty)).isEmpty();
        assertThat(keys.keys().get(userId)).containsKey(owner.deviceId);
        client.close();
    }

    @Test
    void registrationWithABadTokenLooksTheSameForExistingAndUnknownUsers() throws Exception {
        RawClient existing = RawClient.handshaken(server, WireEncoding.BINARY);
        existing.send(existing.register(userId, "not-a-token"));
        ErrorMessage forExisting = error(existing.receive());
        RawClient unknown = RawClient.handshaken(server, WireEncoding.BINARY);
        unknown.send(unknown.register("ghost@" + server.serverId(), "not-a-token"));
        ErrorMessage forUnknown = error(unknown.receive());
        assertThat(forExisting.errorCode()).isEqualTo(ErrorCode.REGISTRATION_REJECTED.code());
        assertThat(forUnknown).usingRecursiveComparison().isEqualTo(forExisting);
    }

    @Test
    void silentClientsAreClosedAtThePreAuthenticationDeadline() throws Exception {
        RawClient mute = RawClient.open(server, WireEncoding.BINARY);
        RawClient handshakeOnly = RawClient.handshaken(server, WireEncoding.JSON);
        assertThat(mute.closedWithin(Duration.ofSeconds(8))).isTrue();
        assertThat(handshakeOnly.closedWithin(Duration.ofSeconds(8))).isTrue();
    }
}
