package norc.server.bench;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import norc.persistence.JournalDatabase;
import norc.server.NorcConfig;
import norc.server.ServerSettings;
import norc.server.device.api.DeviceEvent.MessageStored;
import org.HdrHistogram.Histogram;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;

/**
 * The journal alone, as the server configures it: {@code writers} event-sourced actors each persist
 * {@code bytes}-byte events back to back (one outstanding write each, like device inboxes under a
 * chat load) for {@code seconds}, through the same pekko-persistence-jdbc settings and database as
 * the server (an H2 file with {@code WRITE_DELAY=0} by default, or {@code NORC_DB_URL}). Prints
 * events per second, commits per second and events per commit (H2: file writes, which with
 * {@code WRITE_DELAY=0} is one per commit), and the persist latency. For operators sizing a
 * database as much as for us:
 *
 * <pre>java -cp norc-actors/target/norc-server.jar norc.server.bench.JournalThroughput 200 1024 20 /tmp/journal-bench</pre>
 */
public final class JournalThroughput {

    private JournalThroughput() {}

    public static void main(String[] args) throws Exception {
        int writers = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int bytes = args.length > 1 ? Integer.parseInt(args[1]) : 1024;
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        Path dir = args.length > 3 ? Path.of(args[3]) : Files.createTempDirectory("norc-journal-bench");
        Config config = NorcConfig.load(ConfigFactory.parseMap(Map.of("norc.data-dir", dir.toString(),
                "pekko.remote.artery.canonical.port", 0)));
        ServerSettings settings = ServerSettings.from(config);
        JournalDatabase database = JournalDatabase.of(settings.database().url(), settings.database().user(),
                settings.database().password());
        Files.createDirectories(dir);
        database.installSchema();
        Config full = ConfigFactory.parseMap(database.pluginSettings()).withFallback(config);

        Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(30), 3);
        long[] events = new long[1];
        AtomicBoolean measuring = new AtomicBoolean();
        AtomicBoolean running = new AtomicBoolean(true);
        CountDownLatch stopped = new CountDownLatch(writers);
        ActorSystem<Void> system = ActorSystem.create(Behaviors.setup(context -> {
            for (int i = 0; i < writers; i++) {
                context.spawn(Writer.create("journal-bench-" + i, bytes, running, measuring, latency, events, stopped), "w" + i);
            }
            return Behaviors.empty();
        }), "journal-bench", full);

        Thread.sleep(5_000); // recovery, connection pool, JIT
        boolean h2 = database.dialect() == JournalDatabase.Dialect.H2;
        long writesBefore = h2 ? h2FileWrites(database) : 0;
        long start = System.nanoTime();
        measuring.set(true);
        Thread.sleep(Duration.ofSeconds(seconds).toMillis());
        measuring.set(false);
        double elapsed = (System.nanoTime() - start) / 1e9;
        long writes = h2 ? h2FileWrites(database) - writesBefore : -1;
        running.set(false);
        stopped.await(30, TimeUnit.SECONDS);
        long count;
        synchronized (latency) {
            count = events[0];
        }
        System.out.printf("journal: %s, %d writers, %d-byte events, %.1f s%n", database.redactedUrl(), writers, bytes, elapsed);
        System.out.printf("events/s %.0f; persist latency p50 %.2f ms, p99 %.2f ms, max %.2f ms%n", count / elapsed,
                latency.getValueAtPercentile(50) / 1e6, latency.getValueAtPercentile(99) / 1e6, latency.getMaxValue() / 1e6);
        if (writes >= 0) {
            System.out.printf("H2 file writes/s %.0f; events per write (per commit) %.1f%n", writes / elapsed,
                    writes == 0 ? 0.0 : (double) count / writes);
        }
        system.terminate();
        system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    /** H2's count of file writes (one per commit with WRITE_DELAY=0). */
    private static long h2FileWrites(JournalDatabase database) throws SQLException {
        try (Connection connection = DriverManager.getConnection(database.url(), database.user(), database.password());
             Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery(
                     "SELECT SETTING_VALUE FROM INFORMATION_SCHEMA.SETTINGS WHERE SETTING_NAME = 'info.FILE_WRITE'")) {
            return row.next() ? Long.parseLong(row.getString(1)) : -1;
        }
    }

    /** One writer: persists, and on each commit persists again until told to stop. */
    private static final class Writer extends EventSourcedBehavior<Writer.Write, MessageStored, Long> {
        /** The event the device entity writes for each stored message, so the bench measures the real row. */
        private static final UUID SENDER = UUID.randomUUID();

        enum Write { INSTANCE }

        static Behavior<Write> create(String id, int bytes, AtomicBoolean running, AtomicBoolean measuring, Histogram latency,
                                      long[] events, CountDownLatch stopped) {
            return Behaviors.setup(context -> {
                context.getSelf().tell(Write.INSTANCE);
                return new Writer(context, id, bytes, running, measuring, latency, events, stopped);
            });
        }

        private final ActorContext<Write> context;
        private final byte[] payload;
        private final AtomicBoolean running;
        private final AtomicBoolean measuring;
        private final Histogram latency;
        private final long[] events;
        private final CountDownLatch stopped;
        private long sentAt;

        private Writer(ActorContext<Write> context, String id, int bytes, AtomicBoolean running, AtomicBoolean measuring,
                       Histogram latency, long[] events, CountDownLatch stopped) {
            super(PersistenceId.ofUniqueId(id));
            this.context = context;
            this.payload = new byte[bytes];
            this.running = running;
            this.measuring = measuring;
            this.latency = latency;
            this.events = events;
            this.stopped = stopped;
        }

        @Override
        public Long emptyState() {
            return 0L;
        }

        @Override
        public CommandHandler<Write, MessageStored, Long> commandHandler() {
            return newCommandHandlerBuilder().forAnyState().onCommand(Write.class, (state, c) -> {
                if (!running.get()) {
                    stopped.countDown();
                    return Effect().none();
                }
                sentAt = System.nanoTime();
                return Effect().persist(new MessageStored(UUID.randomUUID(), payload, SENDER, System.currentTimeMillis(), 0, null)).thenRun(s -> {
                    if (measuring.get()) {
                        synchronized (latency) {
                            latency.recordValue(Math.min(System.nanoTime() - sentAt, latency.getHighestTrackableValue()));
                            events[0]++;
                        }
                    }
                    context.getSelf().tell(Write.INSTANCE);
                });
            }).build();
        }

        @Override
        public EventHandler<Long, MessageStored> eventHandler() {
            return newEventHandlerBuilder().forAnyState().onEvent(MessageStored.class, (state, e) -> state + 1).build();
        }
    }
}
