package norc.server.user.api;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import norc.server.contract.Contract;
import norc.server.contract.WireMessage;
import norc.wire.WireEncoding;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * What may be sent to a user's entity (sharded by {@code user@domain}): its public protocol.
 * Replies are {@link UserReply} types. Not sealed only because the entity has a private stop
 * message of its own that never leaves its node.
 */
public interface UserCommand extends Contract {

    /** The sharded entity type; its name is part of every user's persistence id. */
    EntityTypeKey<UserCommand> ENTITY_TYPE_KEY = EntityTypeKey.create(UserCommand.class, "User");

    /** Operator: create the user. */
    record Create(ActorRef<UserReply.CreateResult> replyTo) implements UserCommand {}

    /** Operator or one of the user's devices: a one-time enrollment token valid until {@code expiresAt} (s). */
    record IssueToken(long expiresAt, ActorRef<UserReply.TokenReply> replyTo) implements UserCommand {}

    /**
     * Adds a device whose registration signature the connection already verified. With a token,
     * the token must be valid and unused; with {@code openRegistration} and no token, only a user
     * that does not exist yet is created with this first device.
     */
    record Register(DeviceRecord device, Optional<String> token, boolean openRegistration, long nowSeconds,
                    ActorRef<UserReply.RegisterResult> replyTo) implements UserCommand {}

    /**
     * {@code device_key_rotate} whose signatures the connection of {@code oldDeviceId} verified:
     * {@code successor} (its expiry set here) replaces the old device, which stays valid for the
     * overlap (groups profile C).
     */
    record Rotate(UUID oldDeviceId, DeviceRecord successor, long nowSeconds, ActorRef<UserReply.RotateResult> replyTo)
            implements UserCommand {}

    /** The device's record, if this user has it (revoked ones included). */
    record GetDevice(UUID deviceId, ActorRef<UserReply.DeviceLookup> replyTo) implements UserCommand {}

    /** Public keys of the active devices, optionally filtered (profile §5). */
    record GetKeys(Optional<List<UUID>> filter, ActorRef<UserReply.Keys> replyTo) implements UserCommand {}

    /** Routing: the user's active devices. Contacts are recorded only once a copy was stored ({@link AddContacts}). */
    record ResolveRecipient(ActorRef<UserReply.Recipient> replyTo) implements UserCommand {}

    /** Records contacts without answering: the other members of a conversation this user's device sent to or received from. */
    record AddContacts(Set<String> members) implements UserCommand {}

    record GetContacts(ActorRef<UserReply.Contacts> replyTo) implements UserCommand {}

    /**
     * A signed {@code device_revoke} (spec §6.12) as canonical bytes of the encoding it arrived in,
     * because the signature covers that encoding's canonical form.
     */
    record Revoke(WireEncoding encoding, byte[] message, ActorRef<UserReply.RevokeResult> replyTo) implements UserCommand {}

    /** Operator: disable the user (its sessions close; it looks like no user at all) or enable it again. */
    record SetDisabled(boolean disabled, ActorRef<UserReply.DisableResult> replyTo) implements UserCommand {}

    /** Operator: every device of the user, revoked ones included. */
    record ListDevices(ActorRef<UserReply.Devices> replyTo) implements UserCommand {}

    /**
     * Operator: revoke a device without a signed {@code device_revoke} (a lost phone whose owner
     * cannot sign). Journalled like a signed one (reason {@code admin}), then told to the device
     * until it confirms; the user's other devices see the device leave the key directory.
     */
    record AdminRevoke(UUID deviceId, ActorRef<UserReply.RevokeResult> replyTo) implements UserCommand {}

    /** Hands an ephemeral message (presence, revocation notice) to every active device except one. */
    record PushToDevices(WireMessage message, Optional<UUID> except) implements UserCommand {}

    /**
     * A group's entity: the user is ({@code member}) or is no longer in the group (groups profile
     * A: presence to co-members, {@code max_conversations_per_user}). Told after each change.
     */
    record InGroup(UUID conversationId, boolean member) implements UserCommand {}
}
