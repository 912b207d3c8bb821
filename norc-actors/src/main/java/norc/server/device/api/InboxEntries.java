package norc.server.device.api;

import norc.wire.MessageType;

/**
 * What an inbox entry holds, by its wire type: a {@code message_send} copy (every entry written
 * before entries were typed reads as one: {@code 0}), a group's {@code membership_update}
 * (groups profile A.4), a {@code file_manifest} (B.2). Its payload is that message's binary
 * encoding.
 */
public final class InboxEntries {
    /** {@code 0}: the value of entries written before types, which were all {@code message_send}. */
    public static final int MESSAGE_SEND = 0;

    private InboxEntries() {}

    /** The stored type {@code message} is written under. */
    public static int typeOf(MessageType message) {
        return message == MessageType.MESSAGE_SEND ? MESSAGE_SEND : message.code();
    }

    /** The wire type of an entry stored under {@code type}. */
    public static MessageType messageType(int type) {
        return type == MESSAGE_SEND ? MessageType.MESSAGE_SEND : MessageType.fromCode(type);
    }
}
