package norc.wire.message;

import norc.wire.MessageType;

/**
 * Any NORC message of the spec §8.3 registry. Records implement one of the layer interfaces; the
 * record's components, in order, are its field table (see {@code PROTOCOL.md}).
 */
public sealed interface NorcMessage permits ClientMessage, FederationMessage, TrustMessage, ErrorMessage,
        ExtensionMessage {

    /** The registry entry of this message's type. */
    default MessageType messageType() {
        return MessageType.of(getClass());
    }
}
