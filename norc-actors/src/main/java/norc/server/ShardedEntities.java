package norc.server;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import norc.server.connection.ConnectionActor;
import norc.server.conversation.api.ConversationCommand;
import norc.server.device.api.DeviceCommand;
import norc.server.files.api.FileCommand;
import norc.server.files.api.QuotaCommand;
import norc.server.federation.api.IngressCommand;
import norc.server.federation.api.LedgerCommand;
import norc.server.federation.api.LinkCommand;
import norc.server.federation.api.OutboxCommand;
import norc.server.federation.api.TrustCommand;
import norc.server.storage.EntityNames;
import norc.server.user.api.UserCommand;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * The one way to reach a user's, a device's or a group's sharded entity: by its clear id, sent to the entity
 * named by that id's pseudonym ({@link EntityNames}), so that no actor path, and so no log line
 * that prints one, names a user, a device or a conversation. Every node builds the same names from the shared
 * storage secret. Immutable and thread-safe.
 */
public final class ShardedEntities implements ConnectionActor.Entities {
    private final ClusterSharding sharding;
    private final EntityNames names;

    public ShardedEntities(ClusterSharding sharding, EntityNames names) {
        this.sharding = sharding;
        this.names = names;
    }

    @Override
    public EntityRef<UserCommand> user(String userId) {
        return sharding.entityRefFor(UserCommand.ENTITY_TYPE_KEY, names.name(UserCommand.ENTITY_TYPE_KEY.name(), userId));
    }

    @Override
    public EntityRef<DeviceCommand> device(UUID deviceId) {
        return sharding.entityRefFor(DeviceCommand.ENTITY_TYPE_KEY,
                names.name(DeviceCommand.ENTITY_TYPE_KEY.name(), deviceId.toString()));
    }

    /** A group's entity (groups profile A), named by the pseudonym of its conversation id. */
    public EntityRef<ConversationCommand> conversation(UUID conversationId) {
        return sharding.entityRefFor(ConversationCommand.ENTITY_TYPE_KEY,
                names.name(ConversationCommand.ENTITY_TYPE_KEY.name(), conversationId.toString()));
    }

    /** The conversation id a group entity named {@code entityId} holds. */
    public UUID conversationIdOf(String entityId) {
        return UUID.fromString(names.clearId(ConversationCommand.ENTITY_TYPE_KEY.name(), entityId));
    }

    /** A file's entity (groups profile B), named by the pseudonym of its {@code file_id}. */
    public EntityRef<FileCommand> file(UUID fileId) {
        return sharding.entityRefFor(FileCommand.ENTITY_TYPE_KEY, names.name(FileCommand.ENTITY_TYPE_KEY.name(), fileId.toString()));
    }

    /** The file id a file entity named {@code entityId} holds. */
    public UUID fileIdOf(String entityId) {
        return UUID.fromString(names.clearId(FileCommand.ENTITY_TYPE_KEY.name(), entityId));
    }

    /** A user's file quota (groups profile B.3), named by the pseudonym of the user id. */
    public EntityRef<QuotaCommand> fileQuota(String userId) {
        return sharding.entityRefFor(QuotaCommand.ENTITY_TYPE_KEY, names.name(QuotaCommand.ENTITY_TYPE_KEY.name(), userId));
    }

    /** The user id a file quota named {@code entityId} holds. */
    public String quotaUserOf(String entityId) {
        return names.clearId(QuotaCommand.ENTITY_TYPE_KEY.name(), entityId);
    }

    /** The user id a user entity named {@code entityId} holds. */
    public String userIdOf(String entityId) {
        return names.clearId(UserCommand.ENTITY_TYPE_KEY.name(), entityId);
    }

    /** The device id a device entity named {@code entityId} holds. */
    public String deviceIdOf(String entityId) {
        return names.clearId(DeviceCommand.ENTITY_TYPE_KEY.name(), entityId);
    }

    /** Every sharded entity type a node runs: users', devices', groups' and files', and federation's when it is on. */
    public static List<EntityTypeKey<?>> entityTypes(boolean federation) {
        List<EntityTypeKey<?>> types =
                new ArrayList<>(List.of(UserCommand.ENTITY_TYPE_KEY, DeviceCommand.ENTITY_TYPE_KEY, ConversationCommand.ENTITY_TYPE_KEY,
                        FileCommand.ENTITY_TYPE_KEY, QuotaCommand.ENTITY_TYPE_KEY));
        if (federation) {
            types.addAll(List.of(OutboxCommand.ENTITY_TYPE_KEY,
                    LinkCommand.ENTITY_TYPE_KEY, LedgerCommand.ENTITY_TYPE_KEY,
                    IngressCommand.ENTITY_TYPE_KEY, TrustCommand.ENTITY_TYPE_KEY));
        }
        return List.copyOf(types);
    }

    /** For the entities that are not named after a user or a device (federation's). */
    public ClusterSharding sharding() {
        return sharding;
    }
}
