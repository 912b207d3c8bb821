package norc.server.connection;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import norc.crypto.Bytes;
import norc.crypto.MlKem768;
import norc.crypto.X25519;
import norc.error.ErrorCode;
import norc.server.connection.FuzzInput.Kind;
import norc.server.connection.FuzzInput.Session;
import norc.server.connection.FuzzInput.Step;
import norc.session.Padding;
import norc.wire.Codec;
import norc.wire.MessageType;
import norc.wire.WireEncoding;
import norc.wire.message.Atoms.AckStatus;
import norc.wire.message.Atoms.Classification;
import norc.wire.message.Atoms.PresenceStatus;
import norc.wire.message.Atoms.RevocationReason;
import norc.wire.message.Atoms.TrustRevocationReason;
import norc.wire.message.AuthRequest;
import norc.wire.message.ConnectionRequest;
import norc.wire.message.DeliveryAck;
import norc.wire.message.DeviceRegister;
import norc.wire.message.DeviceRevoke;
import norc.wire.message.ErrorMessage;
import norc.wire.message.ExtensionMessage;
import norc.wire.message.FileManifest;
import norc.wire.message.KeyRequest;
import norc.wire.message.MessageAck;
import norc.wire.message.MessageSend;
import norc.wire.message.NorcMessage;
import norc.wire.message.PresenceUpdate;
import norc.wire.message.ServerDiscovery;
import norc.wire.message.SessionKeyExchange;
import norc.wire.message.TimeSync;
import norc.wire.message.TrustRevoke;

/**
 * The seed corpus of {@link ConnectionActorFuzzTest}, generated from real protocol messages: every
 * message a client sends, in both subprotocols (and a 1.2 session), the registrations and
 * authentications the connection distinguishes, the same requests in an outage (no entity answers),
 * and malformed inputs of every layer (handshake, frame, padding, payload). A file is named
 * {@code <what>--<outcome>.bin}, the outcome being what the server answers ({@code <type>},
 * {@code error-<code>}, {@code silent}, {@code closed}); {@link ConnectionSeedCorpusTest} checks
 * that each committed seed still gets it.
 */
final class ConnectionSeeds {
    static final List<String> TARGETS = List.of("awaitingHello", "authenticating", "established");

    static final Session BINARY_V2 = new Session(WireEncoding.BINARY, false, false, false, false);
    static final Session JSON_V2 = new Session(WireEncoding.JSON, false, false, false, false);
    static final Session BINARY_V1 = new Session(WireEncoding.BINARY, true, false, false, false);
    static final Session JSON_V1 = new Session(WireEncoding.JSON, true, false, false, false);
    static final Session BINARY_HYBRID = new Session(WireEncoding.BINARY, false, true, false, false);
    static final Session JSON_HYBRID = new Session(WireEncoding.JSON, false, true, false, false);

    private static final String BOB = "bob@" + LegitimateDevice.SERVER_ID;
    private static final UUID NEW_DEVICE = UUID.fromString("4e4f5051-5253-4455-9657-58595a5b5c5d");
    private static final long FIXED_TIME = 1_767_225_600_000_000L; // 2026-01-01, µs

    private ConnectionSeeds() {}

    /** target → file name → content, deterministic. */
    static Map<String, Map<String, byte[]>> generate() {
        Map<String, Map<String, byte[]>> corpus = new LinkedHashMap<>();
        corpus.put("awaitingHello", awaitingHello());
        corpus.put("authenticating", authenticating());
        corpus.put("established", established());
        return corpus;
    }

    // ---- awaitingHello --------------------------------------------------------------------------

    private static Map<String, byte[]> awaitingHello() {
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (Session session : List.of(BINARY_V2, JSON_V2, BINARY_V1, JSON_V1, BINARY_HYBRID, JSON_HYBRID)) {
            Codec codec = codec(session);
            String s = name(session);
            byte[] hello = hello(session, codec);
            out.put("hello-" + s + "--connection_accepted.bin", input(session, Step.raw(hello)));
            out.put("hello-then-too-large-" + s + "--closed.bin", input(session, Step.raw(hello), Step.of(Kind.TOO_LARGE)));
        }
        Codec binary = codec(BINARY_V2);
        Codec json = codec(JSON_V2);
        byte[] hello = hello(BINARY_V2, binary);
        out.put("hello-then-raw-hello-binary-v2--connection_accepted.bin",
                input(BINARY_V2, Step.raw(hello), Step.raw(hello), Step.of(Kind.REPLAY)));
        out.put("hello-truncated-binary--error-3002.bin", input(BINARY_V2, Step.raw(Arrays.copyOf(hello, hello.length - 1))));
        out.put("hello-trailing-byte-binary--error-3003.bin", input(BINARY_V2, Step.raw(Arrays.copyOf(hello, hello.length + 1))));
        out.put("hello-no-common-version-binary--error-3001.bin",
                input(BINARY_V2, Step.raw(binary.encodeMessage(request(List.of("9.0"), List.of("0001"), false)))));
        out.put("hello-no-common-suite-binary--error-4004.bin",
                input(BINARY_V2, Step.raw(binary.encodeMessage(request(List.of("2.0"), List.of("0002"), false)))));
        out.put("hello-pq-key-without-0101-binary--error-3009.bin",
                input(BINARY_V2, Step.raw(binary.encodeMessage(request(List.of("2.0"), List.of("0001"), true)))));
        out.put("hello-0101-without-pq-key-json--error-3009.bin",
                input(JSON_V2, Step.raw(json.encodeMessage(request(List.of("2.0"), List.of("0101", "0001"), false)))));
        byte[] jsonHello = hello(JSON_V2, json);
        byte[] spaced = new String(jsonHello, StandardCharsets.UTF_8).replaceFirst(",", ", ").getBytes(StandardCharsets.UTF_8);
        out.put("hello-non-canonical-json--error-3006.bin", input(JSON_V2, Step.raw(spaced)));
        out.put("hello-auth-request-first-binary--error-3011.bin",
                input(BINARY_V2, Step.raw(binary.encodeMessage(authRequest(LegitimateDevice.DEVICE_ID, 0)))));
        out.put("hello-empty-binary--error-3002.bin", input(BINARY_V2, Step.raw(new byte[0])));
        out.put("hello-empty-json--error-3002.bin", input(JSON_V2, Step.raw(new byte[0])));
        out.put("too-large-binary--closed.bin", input(BINARY_V2, Step.of(Kind.TOO_LARGE)));
        out.put("wrong-kind-json--closed.bin", input(JSON_V2, Step.of(Kind.WRONG_KIND)));
        return out;
    }

    private static byte[] hello(Session session, Codec codec) {
        return ConnectionHarness.legitimateHello(session, codec).requestBytes();
    }

    private static ConnectionRequest request(List<String> versions, List<String> suites, boolean pqKey) {
        return new ConnectionRequest(versions, versions.get(0), List.of("e2ee"), suites, LegitimateDevice.filled(16, 0x71),
                X25519.publicKeyOf(LegitimateDevice.filled(32, 0x70)),
                pqKey ? Optional.of(MlKem768.fromSeed(LegitimateDevice.filled(64, 0x73)).encapsulationKey()) : Optional.empty());
    }

    // ---- authenticating -------------------------------------------------------------------------

    private static Map<String, byte[]> authenticating() {
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (Session session : List.of(BINARY_V2, JSON_V2)) {
            for (NorcMessage message : clientMessages()) {
                out.put("sealed-" + name(session) + "-" + message.messageType().wireName() + "--"
                        + beforeAuthentication(message) + ".bin", input(session, sealed(session, Kind.SEALED, message)));
            }
        }
        for (Session session : List.of(BINARY_V2, JSON_V2, BINARY_V1, JSON_V1)) {
            String s = name(session);
            out.put("signed-register-new-device-" + s + "--auth_response.bin", input(session, signed(session, register(NEW_DEVICE, BOB))));
            out.put("signed-auth-" + s + "--auth_response.bin", input(session, signed(session, authRequest(LegitimateDevice.DEVICE_ID, 0))));
        }
        Session s = BINARY_V2;
        out.put("signed-register-existing-device--error-1004.bin", input(s, signed(s, register(LegitimateDevice.DEVICE_ID, LegitimateDevice.USER_ID))));
        out.put("signed-register-revoked-device--error-1004.bin", input(s, signed(s, register(LegitimateDevice.REVOKED_DEVICE_ID, BOB))));
        out.put("signed-register-foreign-user--error-1004.bin", input(s, signed(s, register(NEW_DEVICE, "bob@b.example"))));
        out.put("signed-register-with-token--auth_response.bin", input(s, signed(s, registerWithToken())));
        out.put("signed-auth-revoked-device--error-1003.bin", input(s, signed(s, authRequest(LegitimateDevice.REVOKED_DEVICE_ID, 0))));
        out.put("signed-auth-unknown-device--error-1001.bin", input(s, signed(s, authRequest(NEW_DEVICE, 0))));
        out.put("signed-auth-stale-timestamp--error-1002.bin", input(s, signed(s, authRequest(LegitimateDevice.DEVICE_ID, -10_000_000))));
        out.put("signed-auth-foreign-user--error-1001.bin", input(s, signed(s, new AuthRequest("alice@b.example",
                LegitimateDevice.DEVICE_ID, 0, new byte[64]))));
        out.put("signed-auth-then-time-sync--time_sync.bin", input(s, signed(s, authRequest(LegitimateDevice.DEVICE_ID, 0)),
                sealed(s, Kind.SEALED, timeSync())));
        out.put("time-sync-burst--error-6001.bin", input(s, sealed(s, Kind.SEALED, timeSync()), sealed(s, Kind.SEALED, timeSync()),
                sealed(s, Kind.SEALED, timeSync())));
        Session token = BINARY_V2.withTokenOnly();
        out.put("token-only-register-without-token--error-1004.bin", input(token, signed(token, register(NEW_DEVICE, BOB))));
        out.put("token-only-register-with-token--auth_response.bin", input(token, signed(token, registerWithToken())));
        out.put("off-chain-first-frame--silent.bin", input(s, offChain(s, timeSync())));
        Session down = BINARY_V2.withOutage();
        out.put("outage-signed-auth--error-9002.bin", input(down, signed(down, authRequest(LegitimateDevice.DEVICE_ID, 0))));
        out.put("outage-signed-register--error-6001.bin", input(down, signed(down, register(NEW_DEVICE, BOB))));
        out.put("outage-signed-register-with-token--error-9002.bin", input(down, signed(down, registerWithToken())));
        malformed(out, BINARY_V2, "error-1001");
        malformed(out, JSON_V2, "error-1001");
        return out;
    }

    private static String beforeAuthentication(NorcMessage message) {
        if (message instanceof DeviceRegister) {
            return "error-1004";
        }
        return message instanceof TimeSync ? "time_sync" : "error-1001";
    }

    // ---- established ----------------------------------------------------------------------------

    private static Map<String, byte[]> established() {
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (Session session : List.of(BINARY_V2, JSON_V2)) {
            for (NorcMessage message : clientMessages()) {
                out.put("sealed-" + name(session) + "-" + message.messageType().wireName() + "--"
                        + afterAuthentication(message) + ".bin", input(session, sealed(session, Kind.SEALED, message)));
            }
        }
        for (Session session : List.of(BINARY_V1, JSON_V1)) {
            String s = name(session);
            out.put("sealed-" + s + "-message_send--message_ack.bin", input(session, sealed(session, Kind.SEALED, messageSend(List.of(BOB)))));
            out.put("sealed-" + s + "-key_request--key_response.bin", input(session, sealed(session, Kind.SEALED, keyRequest(List.of(BOB)))));
        }
        Session s = BINARY_V2;
        out.put("signed-revoke--silent.bin", input(s, signed(s, revoke(LegitimateDevice.USER_ID))));
        out.put("revoke-other-user--error-2001.bin", input(s, signed(s, revoke(BOB))));
        out.put("send-no-recipients--error-6001.bin", input(s, sealed(s, Kind.SEALED, messageSend(List.of()))));
        out.put("keys-no-users--error-6001.bin", input(s, sealed(s, Kind.SEALED, keyRequest(List.of()))));
        out.put("ack-accepted-status--error-3009.bin", input(s, sealed(s, Kind.SEALED,
                new MessageAck(new UUID(7, 7), AckStatus.ACCEPTED, Optional.empty(), Optional.empty()))));
        out.put("presence-burst--error-6001.bin", input(s, sealed(s, Kind.SEALED, presence()), sealed(s, Kind.SEALED, presence()),
                sealed(s, Kind.SEALED, presence())));
        out.put("key-exchange-burst--error-6001.bin", input(s, sealed(s, Kind.SEALED, keyExchange()),
                sealed(s, Kind.SEALED, keyExchange()), sealed(s, Kind.SEALED, keyExchange())));
        out.put("send-then-keys-then-time--time_sync.bin", input(s, sealed(s, Kind.SEALED, messageSend(List.of(BOB))),
                sealed(s, Kind.SEALED, keyRequest(List.of(BOB))), sealed(s, Kind.SEALED, timeSync())));
        out.put("off-sequence-ahead--message_ack.bin", input(s, offSequence(s, 500, messageSend(List.of(BOB)))));
        out.put("off-sequence-behind-the-window--silent.bin", input(s, offSequence(s, -2000, timeSync())));
        out.put("off-sequence-reused--time_sync.bin", input(s, sealed(s, Kind.SEALED, timeSync()), offSequence(s, -1, timeSync())));
        out.put("off-chain--silent.bin", input(s, offChain(s, timeSync())));
        out.put("eight-off-chain--closed.bin", input(s, Collections.nCopies(8, offChain(s, ackDelivered())).toArray(Step[]::new)));
        out.put("payload-over-the-limit--error-3007.bin", input(s, sealed(s, Kind.SEALED,
                new ExtensionMessage("org.example.fuzz", "1", bytes(ConnectionHarness.LIMITS.maxMessageBytes(), 0x0E)))));
        Session down = JSON_V2.withOutage();
        out.put("outage-send--error-9002.bin", input(down, sealed(down, Kind.SEALED, messageSend(List.of(BOB)))));
        out.put("outage-keys--error-9002.bin", input(down, sealed(down, Kind.SEALED, keyRequest(List.of(BOB)))));
        out.put("outage-signed-revoke--error-9002.bin", input(down, signed(down, revoke(LegitimateDevice.USER_ID))));
        malformed(out, BINARY_V2, "error-3011");
        malformed(out, JSON_V2, "error-3011");
        return out;
    }

    private static String afterAuthentication(NorcMessage message) {
        if (message instanceof MessageSend) {
            return "message_ack";
        }
        if (message instanceof KeyRequest) {
            return "key_response";
        }
        if (message instanceof TimeSync) {
            return "time_sync";
        }
        if (message instanceof MessageAck || message instanceof PresenceUpdate || message instanceof SessionKeyExchange
                || message instanceof DeviceRevoke) {
            return "silent";
        }
        return "error-3011";
    }

    // ---- malformed, after the handshake ---------------------------------------------------------

    /** {@code unexpected}: the answer to an authentic message of a type this state does not serve. */
    private static void malformed(Map<String, byte[]> out, Session session, String unexpected) {
        String s = name(session);
        Codec codec = codec(session);
        int major = session.compatibility() ? 1 : 2;
        byte[] ack = codec.encodePayload(new MessageAck(new UUID(1, 2), AckStatus.DELIVERED, Optional.empty(), Optional.empty()));
        int ackCode = MessageType.MESSAGE_ACK.codeFor(major);
        byte[] padded = Padding.pad(ack);
        byte[] dirty = padded.clone();
        dirty[dirty.length - 1] = 1;
        out.put("plaintext-nonzero-padding-" + s + "--error-3009.bin", input(session, Step.sealed(Kind.SEALED_PLAINTEXT, ackCode, dirty)));
        out.put("plaintext-wrong-bucket-" + s + "--error-3009.bin",
                input(session, Step.sealed(Kind.SEALED_PLAINTEXT, ackCode, Arrays.copyOf(padded, padded.length * 2))));
        out.put("plaintext-too-short-" + s + "--error-3009.bin", input(session, Step.sealed(Kind.SEALED_PLAINTEXT, ackCode, new byte[2])));
        out.put("payload-truncated-" + s + "--error-3002.bin",
                input(session, Step.sealed(Kind.SEALED, ackCode, Arrays.copyOf(ack, ack.length - 1))));
        out.put("unknown-type-0x06-" + s + "--error-3008.bin", input(session, Step.sealed(Kind.SEALED, 0x06, ack)));
        out.put("server-only-auth_response-" + s + "--error-3011.bin",
                input(session, Step.sealed(Kind.SEALED, MessageType.AUTH_RESPONSE.codeFor(major), new byte[0])));
        for (NorcMessage foreign : foreignLayers()) {
            out.put("foreign-layer-" + foreign.messageType().wireName() + "-" + s + "--" + unexpected + ".bin",
                    input(session, sealed(session, Kind.SEALED, foreign)));
        }
        out.put("raw-garbage-" + s + "--error-" + (session.encoding() == WireEncoding.BINARY ? 3002 : 3006) + ".bin",
                input(session, Step.raw("not a frame".getBytes(StandardCharsets.UTF_8))));
        // the replay is dropped silently: one answer for two messages
        out.put("replayed-time-sync-" + s + "--time_sync.bin", input(session, sealed(session, Kind.SEALED, timeSync()),
                Step.of(Kind.REPLAY)));
        out.put("too-large-" + s + "--closed.bin", input(session, Step.of(Kind.TOO_LARGE)));
        out.put("wrong-kind-" + s + "--closed.bin", input(session, Step.of(Kind.WRONG_KIND)));
        if (session.encoding() == WireEncoding.BINARY) {
            byte[] forged = new byte[64 + 16 + 256];
            forged[0] = 2;
            forged[2] = (byte) ackCode;
            Bytes.putU32(forged, 3, 16 + 256);
            Bytes.putU64(forged, 23, ConnectionHarness.CLIENT_INITIAL_SEQUENCE + 1); // inside the window: counted, not a replay
            Step forgery = Step.raw(forged);
            out.put("eight-forged-frames-" + s + "--closed.bin", input(session, Collections.nCopies(8, forgery).toArray(Step[]::new)));
            out.put("one-forged-frame-" + s + "--silent.bin", input(session, forgery));
        }
    }

    // ---- real client messages -------------------------------------------------------------------

    /** One message of each type a client sends after the handshake (signatures left zero). */
    static List<NorcMessage> clientMessages() {
        return List.of(
                register(NEW_DEVICE, BOB),
                authRequest(LegitimateDevice.DEVICE_ID, 0),
                revoke(LegitimateDevice.USER_ID),
                messageSend(List.of(BOB)),
                ackDelivered(),
                presence(),
                keyRequest(List.of(BOB, "carol@b.example")),
                keyExchange(),
                timeSync(),
                new FileManifest(new UUID(0xF11E, 1), new UUID(0xC0, 1), bytes(48, 0x0F), Map.of(new UUID(0xD0, 2),
                        new MessageSend.WrappedKey(bytes(32, 0x21), bytes(48, 0x22))), 3, 3 * 65536),
                new ExtensionMessage("org.example.fuzz", "1", bytes(8, 0x0E)),
                ErrorMessage.of(ErrorCode.INVALID_FIELD));
    }

    /** Types of other layers that a NORC-C session still carries from the client (sender {@code either}). */
    private static List<NorcMessage> foreignLayers() {
        return List.of(
                new ServerDiscovery("b.example", LegitimateDevice.SERVER_ID, FIXED_TIME, new byte[64]),
                new DeliveryAck(new UUID(0xDA, 1), "b.example", List.of(new UUID(0xD0, 2)), List.of(), FIXED_TIME, new byte[64]),
                new TrustRevoke("b.example", LegitimateDevice.SERVER_ID, TrustRevocationReason.POLICY, FIXED_TIME,
                        Optional.empty(), new byte[64]));
    }

    private static DeviceRegister register(UUID deviceId, String userId) {
        return new DeviceRegister(deviceId, userId, LegitimateDevice.SIGNING_PUBLIC, LegitimateDevice.KEX_PUBLIC,
                LegitimateDevice.INFO, Optional.empty(), Optional.empty(), new byte[64]);
    }

    private static DeviceRegister registerWithToken() {
        return new DeviceRegister(NEW_DEVICE, BOB, LegitimateDevice.SIGNING_PUBLIC, LegitimateDevice.KEX_PUBLIC,
                LegitimateDevice.INFO, Optional.of("enrollment-token"), Optional.empty(), new byte[64]);
    }

    /** {@code timestamp} is an offset from now when the step is {@link Kind#SIGNED}. */
    private static AuthRequest authRequest(UUID deviceId, long timestamp) {
        return new AuthRequest(LegitimateDevice.USER_ID, deviceId, timestamp, new byte[64]);
    }

    private static DeviceRevoke revoke(String userId) {
        return new DeviceRevoke(userId, LegitimateDevice.REVOKED_DEVICE_ID, RevocationReason.RETIRED, FIXED_TIME,
                LegitimateDevice.DEVICE_ID, new byte[64]);
    }

    private static MessageSend messageSend(List<String> recipients) {
        return new MessageSend(new UUID(0x5E4D, 1), new UUID(0xC0, 1), recipients,
                new MessageSend.Metadata(FIXED_TIME, "text", Classification.UNCLASSIFIED), 1, new byte[32], bytes(64, 0x3C),
                Map.of(new UUID(0xD0, 2), new MessageSend.WrappedKey(bytes(32, 0x21), bytes(48, 0x22))), new byte[64],
                Optional.empty(), Optional.empty());
    }

    private static MessageAck ackDelivered() {
        return new MessageAck(new UUID(0x5E4D, 1), AckStatus.DELIVERED, Optional.empty(), Optional.empty());
    }

    private static PresenceUpdate presence() {
        return new PresenceUpdate(PresenceStatus.AWAY, Optional.of("lunch"), List.of("messaging"), FIXED_TIME, Optional.empty());
    }

    private static KeyRequest keyRequest(List<String> users) {
        return new KeyRequest(users, users.isEmpty() ? Optional.empty() : Optional.of(List.of(new UUID(0xD0, 2))));
    }

    private static SessionKeyExchange keyExchange() {
        return new SessionKeyExchange(new UUID(0x5E55, 1), bytes(32, 0x23), new UUID(0xD0, 2), FIXED_TIME / 1_000_000 + 3600,
                Optional.empty(), Optional.empty());
    }

    private static TimeSync timeSync() {
        return new TimeSync(FIXED_TIME, 0, 0, Optional.empty());
    }

    // ---- encoding -------------------------------------------------------------------------------

    private static Step sealed(Session session, Kind kind, NorcMessage message) {
        int major = session.compatibility() ? 1 : 2;
        return Step.sealed(kind, message.messageType().codeFor(major), codec(session).encodePayload(message));
    }

    private static Step offSequence(Session session, int offset, NorcMessage message) {
        return Step.offSequence(message.messageType().codeFor(2), offset, codec(session).encodePayload(message));
    }

    private static Step offChain(Session session, NorcMessage message) {
        return sealed(session, Kind.OFF_CHAIN, message);
    }

    private static Step signed(Session session, NorcMessage message) {
        return sealed(session, Kind.SIGNED, message);
    }

    private static byte[] input(Session session, Step... steps) {
        return new FuzzInput(session, List.of(steps)).encode();
    }

    private static Codec codec(Session session) {
        return session.encoding().codec(ConnectionHarness.LIMITS);
    }

    private static String name(Session session) {
        return (session.encoding() == WireEncoding.BINARY ? "binary" : "json")
                + (session.compatibility() ? "-v1" : session.hybrid() ? "-v2-hybrid" : "-v2");
    }

    private static byte[] bytes(int n, int value) {
        return LegitimateDevice.filled(n, value);
    }
}
