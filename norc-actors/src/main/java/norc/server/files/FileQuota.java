package norc.server.files;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import norc.server.files.api.QuotaCommand;
import norc.server.files.api.QuotaEvent;
import norc.server.files.api.QuotaReply;
import norc.server.storage.SealedEvents;
import norc.server.storage.StorageSeal;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.typed.EventAdapter;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;

/**
 * One user's file quota (groups profile B.3), sharded by the pseudonym of the user id,
 * event-sourced: the padded bytes of the user's unexpired uploads and files (at most
 * {@code maxBytes}, 1 GiB) and each device's unsealed uploads (at most {@code maxUnsealed}, 16).
 * A new upload reserves before its first chunk is stored; past either limit it is refused
 * ({@code 6002}). Sealing moves an upload's end to its file's; what has passed its end no longer
 * counts (pruned at each reservation). An unsealed upload counts until {@code upload-ttl} after it
 * began (not after its latest chunk: a long upload may free its share a little early).
 */
public final class FileQuota extends EventSourcedBehavior<QuotaCommand, QuotaEvent, FileQuota.State> {

    /** The limits of B.3. */
    public record Limits(long maxBytes, int maxUnsealed) {}

    private record Upload(UUID device, long bytes, boolean sealed, long expiresAt) {}

    /** Uploads by file id (mutable, owned by the entity's thread). */
    static final class State {
        final Map<UUID, Upload> uploads = new HashMap<>();
    }

    private final Limits limits;
    private final SealedEvents<QuotaEvent> sealedEvents;

    private FileQuota(ActorContext<QuotaCommand> context, StorageSeal seal, String userId, Limits limits) {
        super(seal.persistenceId(QuotaCommand.ENTITY_TYPE_KEY.name(), userId),
                SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.2));
        this.limits = limits;
        this.sealedEvents = new SealedEvents<>(seal, context.getSystem(), persistenceId(), QuotaEvent.class);
    }

    public static Behavior<QuotaCommand> create(StorageSeal seal, String userId, Limits limits) {
        return Behaviors.setup(context -> new FileQuota(context, seal, userId, limits));
    }

    /** Sharding for users' file quotas on this node. */
    public static void init(org.apache.pekko.actor.typed.ActorSystem<?> system, norc.server.ShardedEntities entities, StorageSeal seal,
                            Limits limits) {
        entities.sharding().init(org.apache.pekko.cluster.sharding.typed.javadsl.Entity.of(QuotaCommand.ENTITY_TYPE_KEY,
                entity -> create(seal, entities.quotaUserOf(entity.getEntityId()), limits)));
    }

    @Override
    public State emptyState() {
        return new State();
    }

    @Override
    public EventAdapter<QuotaEvent, ?> eventAdapter() {
        return sealedEvents;
    }

    @Override
    public CommandHandler<QuotaCommand, QuotaEvent, State> commandHandler() {
        return newCommandHandlerBuilder().forAnyState()
                .onCommand(QuotaCommand.Reserve.class, this::onReserve)
                .onCommand(QuotaCommand.Sealed.class, (state, c) -> {
                    Upload upload = state.uploads.get(c.fileId());
                    return upload == null || upload.sealed() ? Effect().none()
                            : Effect().persist(new QuotaEvent.UploadSealed(c.fileId(), c.expiresAt()));
                })
                .onCommand(QuotaCommand.Released.class, (state, c) -> state.uploads.containsKey(c.fileId())
                        ? Effect().persist(new QuotaEvent.UploadReleased(c.fileId())) : Effect().none())
                .build();
    }

    private Effect<QuotaEvent, State> onReserve(State state, QuotaCommand.Reserve c) {
        if (state.uploads.containsKey(c.fileId())) {
            return Effect().reply(c.replyTo(), QuotaReply.RESERVED); // asked again (a retried bind)
        }
        long now = System.currentTimeMillis();
        long bytes = 0;
        int unsealed = 0;
        for (Upload upload : state.uploads.values()) {
            if (upload.expiresAt() > now) {
                bytes += upload.bytes();
                unsealed += !upload.sealed() && upload.device().equals(c.device()) ? 1 : 0;
            }
        }
        if (unsealed >= limits.maxUnsealed() || bytes + c.paddedBytes() > limits.maxBytes()) {
            return Effect().reply(c.replyTo(), QuotaReply.EXCEEDED);
        }
        return Effect().persist(new QuotaEvent.UploadReserved(c.fileId(), c.device(), c.paddedBytes(), c.expiresAt()))
                .thenReply(c.replyTo(), s -> QuotaReply.RESERVED);
    }

    @Override
    public EventHandler<State, QuotaEvent> eventHandler() {
        return newEventHandlerBuilder().forAnyState()
                .onEvent(QuotaEvent.UploadReserved.class, (state, e) -> {
                    long now = System.currentTimeMillis();
                    state.uploads.values().removeIf(u -> u.expiresAt() <= now); // what has ended counts no more
                    state.uploads.put(e.fileId(), new Upload(e.device(), e.paddedBytes(), false, e.expiresAt()));
                    return state;
                })
                .onEvent(QuotaEvent.UploadSealed.class, (state, e) -> {
                    state.uploads.computeIfPresent(e.fileId(), (id, u) -> new Upload(u.device(), u.bytes(), true, e.expiresAt()));
                    return state;
                })
                .onEvent(QuotaEvent.UploadReleased.class, (state, e) -> {
                    state.uploads.remove(e.fileId());
                    return state;
                })
                .build();
    }
}
