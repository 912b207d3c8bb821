package norc.server.user.api;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import norc.server.contract.Contract;
import norc.wire.message.KeyResponse;

/** The answers of a user's entity, each saying why, not only whether. */
public interface UserReply extends Contract {

    enum CreateResult implements UserReply { CREATED, ALREADY_EXISTS }

    sealed interface TokenReply extends UserReply {}

    record TokenIssued(String token, long expiresAt) implements TokenReply {}

    enum NoSuchUser implements TokenReply { INSTANCE }

    /** The answer to {@link UserCommand.Register}; a client hears one {@code 1005} for every refusal. */
    enum RegisterResult implements UserReply {
        REGISTERED,
        /** The device id is already in this user's directory. */
        DEVICE_EXISTS,
        /** The enrollment token is unknown, used, expired, or the user does not exist. */
        TOKEN_INVALID,
        /** Open registration creates new users only. */
        USER_EXISTS,
        /** No token, and open registration is off. */
        TOKEN_REQUIRED,
        /** The user has its most active devices already (groups profile A.1: {@code max_devices_per_user}). */
        DEVICE_LIMIT
    }

    /** The answer to {@link UserCommand.Revoke}; a client hears one {@code 4003} for every refusal. */
    enum RevokeResult implements UserReply {
        REVOKED,
        /** The message names another user, or it does not decode. */
        NOT_THIS_USER,
        UNKNOWN_DEVICE,
        ALREADY_REVOKED,
        /** The signing device is unknown, or revoked and not revoking itself. */
        SIGNER_NOT_PERMITTED,
        BAD_SIGNATURE
    }

    record DeviceLookup(Optional<DeviceRecord> device) implements UserReply {}

    /** The answer to {@link UserCommand.ListDevices}: {@code exists} false for a user never created. */
    record Devices(boolean exists, List<DeviceRecord> devices, boolean disabled) implements UserReply {}

    /** The answer to {@link UserCommand.SetDisabled}. */
    enum DisableResult implements UserReply { CHANGED, UNCHANGED, NO_SUCH_USER }

    record Keys(String userId, Map<UUID, KeyResponse.DeviceKey> devices) implements UserReply {}

    /** The answer to {@link UserCommand.Rotate}. */
    sealed interface RotateResult extends UserReply {}

    /** Rotated: the user's active devices now, the old and the new included. */
    record Rotated(Keys keys) implements RotateResult {}

    /**
     * Refused: {@code rejected} (3017) for an old device already rotated or a successor id in use;
     * otherwise the old device is no longer active (expired, revoked, or the user disabled).
     */
    record RotateRefused(boolean rejected) implements RotateResult {}

    /** A user's active devices and how many groups it is in ({@code groups}: 0 from earlier versions). */
    record Recipient(String userId, List<UUID> devices, int groups) implements UserReply {
        public Recipient(String userId, List<UUID> devices) {
            this(userId, devices, 0);
        }
    }

    /** The user's presence contacts and its groups (null from earlier versions). */
    record Contacts(Set<String> users, Set<UUID> groups) implements UserReply {
        public Contacts(Set<String> users) {
            this(users, Set.of());
        }
    }
}
