package norc.server.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import norc.audit.AuditChain;
import norc.audit.AuditEntry;
import norc.audit.AuditVerifier;
import norc.server.NorcConfig;
import norc.server.audit.api.AuditCommand;
import norc.server.audit.api.AuditJournalEvent;
import norc.server.audit.api.AuditJournalEvent.EntryAppended;
import norc.server.audit.api.AuditReply;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The audit journal on the persistence test kit (events round-trip through the contract
 * serializer): entries form a chain the independent verifier accepts, with contiguous sequences;
 * snapshots keep every event; recovery continues the chain, and recovering over a changed,
 * missing or unreadable entry neither fails nor stops appending.
 */
class AuditJournalTest {
    private static final ActorTestKit KIT = ActorTestKit.create(EventSourcedBehaviorTestKit.config()
            .withFallback(ConfigFactory.parseString("pekko.actor.provider = local"))
            .withFallback(NorcConfig.load(ConfigFactory.empty())));
    private static final String PID = AuditJournal.PERSISTENCE_ID.id();
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-01T10:00:00Z"), ZoneOffset.UTC);

    private EventSourcedBehaviorTestKit<AuditCommand, AuditJournalEvent, AuditJournal.State> journal;

    @AfterAll
    static void stop() {
        KIT.shutdownTestKit();
    }

    @BeforeEach
    void fresh() {
        journal = EventSourcedBehaviorTestKit.create(KIT.system(), AuditJournal.create(3, CLOCK),
                EventSourcedBehaviorTestKit.enabledSerializationSettings().withVerifyEquality(false).withVerifyState(false));
        journal.clear();
    }

    private EntryAppended append(String kind, Map<String, String> fields) {
        return journal.runCommand(new AuditCommand.Append(kind, fields)).eventOfType(EntryAppended.class);
    }

    private static List<AuditVerifier.Entry> listed(List<Object> events) {
        List<AuditVerifier.Entry> entries = new ArrayList<>();
        for (Object event : events) {
            EntryAppended e = (EntryAppended) event;
            entries.add(new AuditVerifier.Entry(e.sequence(), e.timestamp(), e.canonicalEntry(), e.entryHash()));
        }
        return entries;
    }

    @Test
    void entriesFormAChainTheVerifierAccepts() {
        EntryAppended first = append(AuditKinds.ADMIN_ACTION, Map.of("action", "user.created", "user", "u:00"));
        EntryAppended second = append(AuditKinds.AUTHENTICATION_FAILED, Map.of("code", "1001"));
        assertThat(first.sequence()).isEqualTo(1);
        assertThat(second.sequence()).isEqualTo(2);
        assertThat(first.timestamp()).isEqualTo(CLOCK.millis());
        assertThat(first.entryHash()).isEqualTo(AuditChain.entryHash(AuditChain.GENESIS, first.canonicalEntry()));
        assertThat(second.entryHash()).isEqualTo(AuditChain.entryHash(first.entryHash(), second.canonicalEntry()));
        AuditEntry decoded = AuditEntry.decode(second.canonicalEntry());
        assertThat(decoded).isEqualTo(AuditEntry.of(2, CLOCK.millis(), AuditKinds.AUTHENTICATION_FAILED, Map.of("code", "1001")));

        AuditReply.Head head = journal.<AuditReply.Head>runCommand(AuditCommand.GetHead::new).reply();
        assertThat(head.sequence()).isEqualTo(2);
        assertThat(head.entryHash()).isEqualTo(second.entryHash());
        assertThat(head.firstBreak()).isZero();
        assertThat(AuditVerifier.firstBadEntry(listed(journal.persistenceTestKit().persistedInStorage(PID)))).isNull();
    }

    @Test
    void snapshotsKeepEveryEventAndRecoveryContinuesTheChain() {
        for (int i = 0; i < 10; i++) { // a snapshot every 3 entries
            append(AuditKinds.INTEGRITY_ALERT, Map.of("reason", "chain-mismatch", "n", Integer.toString(i)));
        }
        assertThat(journal.snapshotTestKit()).isPresent();
        assertThat(journal.snapshotTestKit().get().persistedInStorage(PID)).isNotEmpty();
        journal.restart();
        EntryAppended eleventh = append(AuditKinds.ADMIN_ACTION, Map.of("action", "x"));
        assertThat(eleventh.sequence()).isEqualTo(11);
        List<Object> stored = journal.persistenceTestKit().persistedInStorage(PID);
        assertThat(stored).hasSize(11);
        assertThat(AuditVerifier.firstBadEntry(listed(stored))).isNull();
    }

    @Test
    void aRefusedEntryIsNotAppended() {
        assertThat(journal.runCommand(new AuditCommand.Append("Not A Kind", Map.of())).hasNoEvents()).isTrue();
        assertThat(journal.runCommand(new AuditCommand.Append("ok", Map.of("Bad Key", "v"))).hasNoEvents()).isTrue();
        assertThat(append("ok", Map.of()).sequence()).isEqualTo(1);
    }

    @Test
    void recoveryOverATamperedJournalMarksTheBreakAndKeepsAppending() {
        List<EntryAppended> genuine = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            genuine.add(append(AuditKinds.ADMIN_ACTION, Map.of("n", Integer.toString(i))));
        }
        EntryAppended third = genuine.get(2);
        byte[] changed = third.canonicalEntry().clone();
        changed[changed.length - 1] ^= 1;
        List<Object> tampered = new ArrayList<>(genuine);
        tampered.set(2, new EntryAppended(3, third.timestamp(), changed, third.entryHash()));
        check(tampered, 3);

        List<Object> unreadable = new ArrayList<>(genuine);
        unreadable.set(1, new AuditJournalEvent.EntryUnreadable(new byte[] {1, 2, 3}));
        check(unreadable, 2);

        List<Object> gap = new ArrayList<>(genuine.subList(0, 2)); // entry 3 removed: 1 2 4 5
        gap.addAll(genuine.subList(3, 5));
        check(gap, 4);
    }

    /** Recovers from {@code events} (no snapshot), expects the break at {@code breakAt}, then appends once more. */
    private void check(List<Object> events, long breakAt) {
        journal.clear();
        journal.initialize(events.toArray());
        AuditReply.Head head = journal.<AuditReply.Head>runCommand(AuditCommand.GetHead::new).reply();
        assertThat(head.firstBreak()).isEqualTo(breakAt);
        EntryAppended next = append(AuditKinds.ADMIN_ACTION, Map.of("after", "tampering"));
        assertThat(next.sequence()).isEqualTo(events.size() + 1);
        AuditVerifier.Break found = AuditVerifier.firstBadEntry(
                listed(journal.persistenceTestKit().persistedInStorage(PID).stream()
                        .map(e -> e instanceof EntryAppended ? e : null).filter(java.util.Objects::nonNull).toList()));
        assertThat(found).isNotNull();
    }
}
