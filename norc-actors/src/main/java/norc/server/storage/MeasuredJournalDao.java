package norc.server.storage;

import norc.server.metrics.JournalWrites;
import org.apache.pekko.persistence.jdbc.config.JournalConfig;
import org.apache.pekko.persistence.jdbc.journal.dao.DefaultJournalDao;
import org.apache.pekko.persistence.jdbc.journal.dao.JournalTables;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.stream.Materializer;
import scala.Tuple2;
import scala.collection.immutable.Seq;
import scala.concurrent.ExecutionContext;
import scala.concurrent.Future;
import scala.runtime.BoxedUnit;
import slick.jdbc.JdbcBackend;
import slick.jdbc.JdbcProfile;

/**
 * pekko-persistence-jdbc's journal DAO, unchanged except that every insert it makes is reported:
 * the DAO gathers the writes of every persisting entity waiting for it into one batch (the group
 * commit, {@code jdbc-journal.batchSize} rows at most, {@code parallelism} batches at once), and
 * the size of those batches is the figure that says whether group commit is working. Configured as
 * {@code jdbc-journal.dao} (norc-server.conf).
 */
public final class MeasuredJournalDao extends DefaultJournalDao {
    private final JournalWrites writes;

    public MeasuredJournalDao(JdbcBackend.JdbcDatabaseDef db, JdbcProfile profile, JournalConfig journalConfig,
                              Serialization serialization, ExecutionContext ec, Materializer mat) {
        super(db, profile, journalConfig, serialization, ec, mat);
        this.writes = JournalWrites.get(mat.system());
    }

    @Override
    public Future<BoxedUnit> writeJournalRows(
            Seq<Tuple2<JournalTables.JournalPekkoSerializationRow, scala.collection.immutable.Set<String>>> rows) {
        long started = System.nanoTime();
        int count = rows.size();
        Future<BoxedUnit> written = super.writeJournalRows(rows);
        written.onComplete(result -> {
            if (result.isSuccess()) {
                writes.written(count, System.nanoTime() - started);
            }
            return BoxedUnit.UNIT;
        }, ec());
        return written;
    }
}
