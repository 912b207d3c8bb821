package norc.wire;

import java.util.HashMap;
import java.util.Map;
import norc.wire.message.AuthRequest;
import norc.wire.message.AuthResponse;
import norc.wire.message.ConnectionAccepted;
import norc.wire.message.ConnectionRequest;
import norc.wire.message.ConversationCreate;
import norc.wire.message.ConversationUpdate;
import norc.wire.message.DeliveryAck;
import norc.wire.message.DeviceKeyRotate;
import norc.wire.message.DeviceRegister;
import norc.wire.message.DeviceRevoke;
import norc.wire.message.ErrorMessage;
import norc.wire.message.ExtensionMessage;
import norc.wire.message.FederationHello;
import norc.wire.message.FederationHelloResponse;
import norc.wire.message.FileChunk;
import norc.wire.message.FileChunkRequest;
import norc.wire.message.FileChunkUpload;
import norc.wire.message.FileManifest;
import norc.wire.message.FileUploadAck;
import norc.wire.message.KeyExpiryNotice;
import norc.wire.message.KeyRequest;
import norc.wire.message.KeyResponse;
import norc.wire.message.MembershipRequest;
import norc.wire.message.MembershipUpdate;
import norc.wire.message.MessageAck;
import norc.wire.message.MessageRelay;
import norc.wire.message.MessageSend;
import norc.wire.message.NorcMessage;
import norc.wire.message.PresenceUpdate;
import norc.wire.message.ServerDiscovery;
import norc.wire.message.ServerInfo;
import norc.wire.message.SessionKeyExchange;
import norc.wire.message.TimeSync;
import norc.wire.message.TrustCapability;
import norc.wire.message.TrustChallenge;
import norc.wire.message.TrustRequest;
import norc.wire.message.TrustResponse;
import norc.wire.message.TrustRevoke;
import norc.wire.schema.RecordSchema;

/**
 * The message type registry of spec §8.3: native (2.x) code, name (the JSON {@code "type"}),
 * layer, who may send it on a NORC-C session, and the record that defines its fields.
 * {@link #codeFor(int)} and {@link #fromCode(int, int)} apply the 1.x renumbering of profile §4.5.
 * Who may send a type is per link ({@link #senderOn}): {@code key_request} and {@code key_response}
 * are NORC-C types that a NORC-F link also carries, server to server (profile fix, federation
 * profile §1, §4).
 */
public enum MessageType {
    CONNECTION_REQUEST(0x00, Layer.NORC_C, Sender.CLIENT, ConnectionRequest.class),
    CONNECTION_ACCEPTED(0x01, Layer.NORC_C, Sender.SERVER, ConnectionAccepted.class),
    DEVICE_REGISTER(0x02, 0x01, Layer.NORC_C, Sender.CLIENT, DeviceRegister.class),
    AUTH_REQUEST(0x03, 0x02, Layer.NORC_C, Sender.CLIENT, AuthRequest.class),
    AUTH_RESPONSE(0x04, 0x03, Layer.NORC_C, Sender.SERVER, AuthResponse.class),
    DEVICE_REVOKE(0x05, Layer.NORC_C, Sender.EITHER, DeviceRevoke.class),
    MESSAGE_SEND(0x10, Layer.NORC_C, Sender.EITHER, MessageSend.class),
    MESSAGE_ACK(0x11, Layer.NORC_C, Sender.EITHER, MessageAck.class),
    CONVERSATION_CREATE(0x12, Layer.NORC_C, Sender.CLIENT, ConversationCreate.class),
    CONVERSATION_UPDATE(0x13, Layer.NORC_C, Sender.CLIENT, ConversationUpdate.class),
    MEMBERSHIP_UPDATE(0x14, Layer.NORC_C, Sender.SERVER, MembershipUpdate.class),
    MEMBERSHIP_REQUEST(0x15, Layer.NORC_C, Sender.CLIENT, MembershipRequest.class),
    PRESENCE_UPDATE(0x20, Layer.NORC_C, Sender.EITHER, PresenceUpdate.class),
    KEY_REQUEST(0x30, Layer.NORC_C, Sender.CLIENT, KeyRequest.class, Layer.NORC_F),
    KEY_RESPONSE(0x31, Layer.NORC_C, Sender.SERVER, KeyResponse.class, Layer.NORC_F),
    SESSION_KEY_EXCHANGE(0x32, Layer.NORC_C, Sender.EITHER, SessionKeyExchange.class),
    TIME_SYNC(0x33, Layer.NORC_C, Sender.EITHER, TimeSync.class),
    DEVICE_KEY_ROTATE(0x34, Layer.NORC_C, Sender.CLIENT, DeviceKeyRotate.class),
    KEY_EXPIRY_NOTICE(0x35, Layer.NORC_C, Sender.SERVER, KeyExpiryNotice.class),
    FILE_MANIFEST(0x40, Layer.NORC_C, Sender.EITHER, FileManifest.class),
    FILE_CHUNK_UPLOAD(0x41, Layer.NORC_C, Sender.CLIENT, FileChunkUpload.class),
    FILE_UPLOAD_ACK(0x42, Layer.NORC_C, Sender.SERVER, FileUploadAck.class),
    FILE_CHUNK_REQUEST(0x43, Layer.NORC_C, Sender.CLIENT, FileChunkRequest.class),
    FILE_CHUNK(0x44, Layer.NORC_C, Sender.SERVER, FileChunk.class),

    FEDERATION_HELLO(0x70, Layer.NORC_F, Sender.EITHER, FederationHello.class),
    FEDERATION_HELLO_RESPONSE(0x71, Layer.NORC_F, Sender.EITHER, FederationHelloResponse.class),
    MESSAGE_RELAY(0x80, Layer.NORC_F, Sender.EITHER, MessageRelay.class),
    DELIVERY_ACK(0x81, Layer.NORC_F, Sender.EITHER, DeliveryAck.class),
    SERVER_DISCOVERY(0x90, Layer.NORC_F, Sender.EITHER, ServerDiscovery.class),
    SERVER_INFO(0x91, Layer.NORC_F, Sender.EITHER, ServerInfo.class),

    TRUST_CAPABILITY(0x9F, Layer.NORC_T, Sender.EITHER, TrustCapability.class),
    TRUST_REQUEST(0xA0, Layer.NORC_T, Sender.EITHER, TrustRequest.class),
    TRUST_CHALLENGE(0xA1, Layer.NORC_T, Sender.EITHER, TrustChallenge.class),
    TRUST_RESPONSE(0xA2, Layer.NORC_T, Sender.EITHER, TrustResponse.class),
    TRUST_REVOKE(0xA3, Layer.NORC_T, Sender.EITHER, TrustRevoke.class),

    EXTENSION(0xFE, Layer.COMMON, Sender.EITHER, ExtensionMessage.class),
    ERROR(0xFF, Layer.COMMON, Sender.EITHER, ErrorMessage.class);

    /** Which protocol layer a type belongs to. */
    public enum Layer { NORC_C, NORC_F, NORC_T, COMMON }

    /** Who may send a type on a link: the client, the server, either, or nobody ({@code NONE}: not carried). */
    public enum Sender {
        CLIENT, SERVER, EITHER, NONE;

        public boolean allows(boolean fromClient) {
            return this == EITHER || (this == CLIENT && fromClient) || (this == SERVER && !fromClient);
        }
    }

    private static final MessageType[] NATIVE = new MessageType[256];
    private static final MessageType[] LEGACY = new MessageType[256];
    private static final Map<String, MessageType> BY_NAME = new HashMap<>();
    private static final ClassValue<MessageType> BY_CLASS = new ClassValue<>() {
        @Override
        protected MessageType computeValue(Class<?> type) {
            for (MessageType t : values()) {
                if (t.recordType == type) {
                    return t;
                }
            }
            throw new IllegalArgumentException("not a NORC message record: " + type.getName());
        }
    };

    static {
        for (MessageType t : values()) {
            NATIVE[t.code] = t;
            BY_NAME.put(t.wireName, t);
            if (t != CONNECTION_ACCEPTED && t != CONNECTION_REQUEST) {
                LEGACY[t.legacyCode] = t;
            }
        }
    }

    private final int code;
    private final int legacyCode;
    private final Layer layer;
    private final Sender sender;
    private final boolean serverToServer;
    private final Class<? extends NorcMessage> recordType;
    private final String wireName;
    private volatile RecordSchema schema;

    MessageType(int code, Layer layer, Sender sender, Class<? extends NorcMessage> recordType) {
        this(code, code, layer, sender, recordType, layer);
    }

    /** A NORC-C type that a link of {@code alsoOn} carries too. */
    MessageType(int code, Layer layer, Sender sender, Class<? extends NorcMessage> recordType, Layer alsoOn) {
        this(code, code, layer, sender, recordType, alsoOn);
    }

    MessageType(int code, int legacyCode, Layer layer, Sender sender, Class<? extends NorcMessage> recordType) {
        this(code, legacyCode, layer, sender, recordType, layer);
    }

    MessageType(int code, int legacyCode, Layer layer, Sender sender, Class<? extends NorcMessage> recordType,
                Layer alsoOn) {
        this.code = code;
        this.legacyCode = legacyCode;
        this.layer = layer;
        this.sender = sender;
        this.serverToServer = layer != Layer.NORC_C || alsoOn == Layer.NORC_F;
        this.recordType = recordType;
        this.wireName = name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The native (2.x) registry code. */
    public int code() {
        return code;
    }

    /** The code used on the wire by a session of this major version (profile §4.5). */
    public int codeFor(int major) {
        return major == 1 ? legacyCode : code;
    }

    public String wireName() {
        return wireName;
    }

    public Layer layer() {
        return layer;
    }

    /** Who may send this type on a NORC-C session (what {@code ReceiveSession} checks); the same as {@code senderOn(NORC_C)}. */
    public Sender sender() {
        return sender;
    }

    /**
     * Who may send this type on a link of {@code link}: {@link Layer#NORC_C} is {@link #sender()};
     * on {@link Layer#NORC_F}, whose connections also carry NORC-T, both ends are servers, so every
     * NORC-F, NORC-T and common type and {@code key_request}/{@code key_response} are
     * {@link Sender#SERVER} and the other NORC-C types {@link Sender#NONE} (federation profile §1, §4).
     *
     * @throws IllegalArgumentException for {@code NORC_T} or {@code COMMON}, which name no link of their own
     */
    public Sender senderOn(Layer link) {
        return switch (link) {
            case NORC_C -> sender;
            case NORC_F -> serverToServer ? Sender.SERVER : Sender.NONE;
            case NORC_T, COMMON -> throw new IllegalArgumentException(link + " is not a link: NORC-T travels on NORC-F");
        };
    }

    public Class<? extends NorcMessage> recordType() {
        return recordType;
    }

    /** The field table of this type (computed on first use). */
    public RecordSchema schema() {
        RecordSchema s = schema;
        if (s == null) {
            s = RecordSchema.of(recordType.asSubclass(Record.class));
            schema = s;
        }
        return s;
    }

    /** The type for a native code, or {@code null} if unassigned. */
    public static MessageType fromCode(int code) {
        return code >= 0 && code < 256 ? NATIVE[code] : null;
    }

    /**
     * The type for a code seen in a session frame of the given major version, or {@code null}. In
     * 1.x the three renamed types use their old codes and the handshake types never appear in frames.
     */
    public static MessageType fromCode(int code, int major) {
        if (code < 0 || code > 255) {
            return null;
        }
        return major == 1 ? LEGACY[code] : NATIVE[code];
    }

    /** The type for a JSON {@code "type"} name, or {@code null}. */
    public static MessageType fromName(String name) {
        return BY_NAME.get(name);
    }

    /** The type of a message record class. */
    public static MessageType of(Class<?> recordType) {
        return BY_CLASS.get(recordType);
    }
}
