package norc.wire.message;

/** NORC-C: the client-server layer (spec §3). */
public sealed interface ClientMessage extends NorcMessage permits ConnectionRequest, ConnectionAccepted,
        DeviceRegister, AuthRequest, AuthResponse, DeviceRevoke, MessageSend, MessageAck, PresenceUpdate,
        KeyRequest, KeyResponse, SessionKeyExchange, TimeSync, FileManifest,
        ConversationCreate, ConversationUpdate, MembershipUpdate, MembershipRequest, DeviceKeyRotate, KeyExpiryNotice,
        FileChunkUpload, FileUploadAck, FileChunkRequest, FileChunk {}
