package norc.server.storage;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.typed.EventAdapter;
import org.apache.pekko.persistence.typed.EventSeq;
import org.apache.pekko.persistence.typed.PersistenceId;

/**
 * The event adapter of an entity whose events name users, devices or conversations: each event is
 * written {@link Sealed} (its type too: the adapter manifest stays empty) and opened on replay.
 */
public final class SealedEvents<E> extends EventAdapter<E, Object> {
    private final Class<E> type;
    private final SealedValues values;

    public SealedEvents(StorageSeal seal, ActorSystem<?> system, PersistenceId persistenceId, Class<E> type) {
        this.type = type;
        this.values = new SealedValues(seal, system, persistenceId.id());
    }

    @Override
    public Object toJournal(E event) {
        return values.seal(event);
    }

    @Override
    public String manifest(E event) {
        return "";
    }

    @Override
    public EventSeq<E> fromJournal(Object stored, String manifest) {
        return EventSeq.single(type.cast(values.open(stored)));
    }
}
