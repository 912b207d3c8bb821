package norc.server.user.api;

import java.util.Set;
import java.util.UUID;
import norc.server.contract.Contract;
import norc.wire.WireEncoding;

/**
 * The user entity's journal. Each event is stored under its name in
 * {@link norc.server.contract.ContractNames}; fields may be added, never renamed or retyped
 * without a migration.
 */
public sealed interface UserEvent extends Contract {

    record UserCreated(long at) implements UserEvent {}

    record EnrollmentTokenIssued(String tokenHash, long expiresAt) implements UserEvent {}

    /** {@code tokenHash} is the token used, or empty for open registration. */
    record DeviceRegistered(DeviceRecord device, String tokenHash, boolean createdUser) implements UserEvent {}

    /** {@code revokeMessage}: the canonical bytes of the signed message in {@code encoding}, kept as evidence. */
    record DeviceRevoked(UUID deviceId, UUID revokedBy, long effectiveAt, long at, String reason,
                         WireEncoding encoding, byte[] revokeMessage) implements UserEvent {}

    /** An operator disabled the user ({@code at}: epoch ms). */
    record UserDisabled(long at) implements UserEvent {}

    /** An operator enabled the user again. */
    record UserEnabled(long at) implements UserEvent {}

    /** The user became a member of a group (groups profile A), told by the group's entity. */
    record GroupJoined(UUID conversationId) implements UserEvent {}

    /** The user left or was removed from a group, or the group ended. */
    record GroupLeft(UUID conversationId) implements UserEvent {}

    /** {@code oldDeviceId} rotated to {@code successor} (its expiry set); the old key is valid until {@code oldExpiresAt} (s). */
    record DeviceRotated(UUID oldDeviceId, DeviceRecord successor, long oldExpiresAt) implements UserEvent {}

    /** {@code at}: epoch milliseconds; 0 in events written before contacts aged out (they age out at once). */
    record ContactsAdded(Set<String> users, long at) implements UserEvent {}
}
