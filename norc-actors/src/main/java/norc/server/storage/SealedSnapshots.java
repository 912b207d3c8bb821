package norc.server.storage;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.SnapshotAdapter;

/** Seals what an entity's own snapshot adapter produces, and opens it before that adapter reads it. */
public final class SealedSnapshots<S> implements SnapshotAdapter<S> {
    private final SnapshotAdapter<S> inner;
    private final SealedValues values;

    public SealedSnapshots(StorageSeal seal, ActorSystem<?> system, PersistenceId persistenceId, SnapshotAdapter<S> inner) {
        this.inner = inner;
        this.values = new SealedValues(seal, system, persistenceId.id());
    }

    @Override
    public Object toJournal(S state) {
        return values.seal(inner.toJournal(state));
    }

    @Override
    public S fromJournal(Object stored) {
        return inner.fromJournal(values.open(stored));
    }
}
