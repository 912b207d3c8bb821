package norc.server.metrics;

import org.apache.pekko.actor.AbstractExtensionId;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.Extension;

/**
 * Where the journal's DAO ({@link norc.server.storage.MeasuredJournalDao}) reports each insert it
 * makes, for the node's {@link ServerMetrics}. The DAO is built by pekko-persistence-jdbc from
 * configuration, with no way to hand it our objects; it reaches the one it needs through its actor
 * system's extension, and the guardian connects that to the node's metrics when it starts. Until
 * then (or when a test runs the journal without a guardian) reports go nowhere.
 */
public final class JournalWrites implements Extension {
    /** Rows written by one insert and how long the database took (nanoseconds). */
    public interface Sink {
        void written(int rows, long nanos);
    }

    private static final Sink NOWHERE = (rows, nanos) -> { };
    private static final Id ID = new Id();

    private volatile Sink sink = NOWHERE;

    public static JournalWrites get(ActorSystem system) {
        return ID.get(system);
    }

    public void reportTo(Sink sink) {
        this.sink = sink;
    }

    public void written(int rows, long nanos) {
        sink.written(rows, nanos);
    }

    private static final class Id extends AbstractExtensionId<JournalWrites> {
        @Override
        public JournalWrites createExtension(ExtendedActorSystem system) {
            return new JournalWrites();
        }
    }

    private JournalWrites() {
    }
}
