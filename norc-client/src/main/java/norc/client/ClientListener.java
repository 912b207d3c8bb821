package norc.client;

import java.util.UUID;
import norc.error.ErrorCode;
import norc.error.NorcException;
import norc.wire.message.PresenceUpdate;

/**
 * What a {@link NorcClient} tells its application, one call at a time and in order, on the
 * client's executor (never on a network thread). Every method has an empty default. Calls must
 * return reasonably soon: the next event waits.
 */
public interface ClientListener {
    /** A listener that ignores everything. */
    ClientListener NONE = new ClientListener() {};

    /**
     * A message for this device that passed every check (sender signature, decryption, the
     * sender's conversation chain) and was not seen before. It is acknowledged as
     * {@code delivered} after this method returns.
     */
    default void onMessage(ReceivedMessage message) {}

    /** What happened to a message this device sent, after it was accepted (profile §6). */
    default void onReceipt(Receipt receipt) {}

    /**
     * An inbound message that failed a check and was dropped without an acknowledgement: the
     * code says which ({@code INVALID_SIGNATURE}, {@code DECRYPT_FAILED}, {@code CHAIN_MISMATCH},
     * {@code FORBIDDEN} when no key was wrapped for this device, {@code INVALID_FIELD}).
     */
    default void onRejected(UUID messageId, ErrorCode reason) {}

    /** A presence update the server relayed. */
    default void onPresence(PresenceUpdate update) {}

    /** The server announced that a device was revoked; its cached keys were dropped. */
    default void onDeviceRevoked(String userId, UUID deviceId) {}

    /** An {@code error} from the server that answered no pending request. */
    default void onError(NorcException error) {}

    /** The connection ended; {@code cause} is {@code null} after a normal close. Last call. */
    default void onClosed(Throwable cause) {}

    /**
     * The server's {@code key_expiry_notice} (groups profile C): this device's key expires at
     * {@code expiresAt} (epoch seconds); rotate it ({@link NorcClient#rotate}) before then.
     */
    default void onKeyExpiring(UUID deviceId, long expiresAt) {}

    /**
     * A group this device is in changed (groups profile A.4), in the group's order with its
     * messages; also once when this user left or was removed ({@code group} empty then).
     */
    default void onGroupChanged(GroupChange change) {}

    /**
     * A file shared with this device (groups profile B), its manifest opened and its sender's
     * signature checked; fetch it with {@link NorcClient#downloadFile}. Acknowledged after this
     * method returns.
     */
    default void onFile(ReceivedFile file) {}
}
