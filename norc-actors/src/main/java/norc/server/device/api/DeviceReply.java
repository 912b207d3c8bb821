package norc.server.device.api;

import java.util.UUID;
import norc.server.contract.Contract;

/** The answers of a device's entity, each saying why, not only whether. */
public interface DeviceReply extends Contract {

    /** The answer to {@link DeviceCommand.Claim}. */
    enum ClaimResult implements DeviceReply {
        /** The id was free and is now this user's. */
        CLAIMED,
        /** The id was already this user's (a registration retried). */
        ALREADY_OWNED,
        /** Another user holds the id. */
        TAKEN,
        /** The id belonged to a revoked device and is never reused. */
        REVOKED;

        public boolean granted() {
            return this == CLAIMED || this == ALREADY_OWNED;
        }
    }

    /** {@code INBOX_FULL}: the device's inbox is at its message or byte quota; nothing was stored. */
    enum StoreResult { STORED, DUPLICATE, REVOKED, INBOX_FULL }

    /**
     * The answer to {@link DeviceCommand.Store}, naming the device (so that one adapter serves
     * every copy of a send) and the entry ({@code entryId}; null in answers of earlier versions).
     */
    record StoreReply(UUID deviceId, StoreResult result, UUID entryId) implements DeviceReply {
        public StoreReply(UUID deviceId, StoreResult result) {
            this(deviceId, result, null);
        }
    }

    /** The answer to {@link DeviceCommand.Owner}: {@code userId} null for an id nobody claimed. */
    record OwnedBy(UUID deviceId, String userId, boolean revoked) implements DeviceReply {}

    /** The answer to {@link DeviceCommand.Disconnect}: whether a live session was told to close. */
    record Disconnected(boolean hadSession) implements DeviceReply {}

    /** The answer to {@link DeviceCommand.ConfirmRevoke}: the device's revocation is journalled. */
    enum RevokeConfirmed implements DeviceReply { INSTANCE }

    /** The answer to {@link DeviceCommand.Spend}: allowed, or the seconds until the budget has a unit again. */
    record Spent(long retryAfterSeconds) implements DeviceReply {
        public static final Spent ALLOWED = new Spent(0);

        public boolean allowed() {
            return retryAfterSeconds == 0;
        }
    }
}
