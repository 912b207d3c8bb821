package norc.server.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import norc.server.NorcConfig;
import norc.server.audit.api.AuditCommand;
import norc.server.audit.api.AuditJournalEvent;
import norc.server.audit.api.AuditReply;
import norc.server.audit.api.AuditSnapshot;
import norc.server.device.api.DeviceCommand;
import norc.server.device.api.DeviceEvent;
import norc.server.device.api.DeviceOutbound;
import norc.server.device.api.DeviceReply;
import norc.server.device.api.DeviceSnapshot;
import norc.server.federation.api.LedgerCommand;
import norc.server.federation.api.LinkCommand;
import norc.server.federation.api.LinkReply;
import norc.server.federation.api.LedgerEvent;
import norc.server.federation.api.LedgerReply;
import norc.server.federation.api.LedgerSnapshot;
import norc.server.federation.api.OutboxCommand;
import norc.server.federation.api.OutboxEvent;
import norc.server.federation.api.OutboxReply;
import norc.server.federation.api.OutboxSnapshot;
import norc.server.federation.api.RelayEntry;
import norc.server.user.api.DeviceRecord;
import norc.server.user.api.UserCommand;
import norc.server.user.api.UserEvent;
import norc.server.user.api.UserReply;
import norc.server.user.api.UserSnapshot;
import norc.wire.WireEncoding;
import norc.wire.message.Atoms.AckStatus;
import norc.wire.message.MessageAck;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The entity contracts as the journal and other nodes see them: every public record of the entity
 * protocols has a stable name, names are the released ones, values survive the serializer, and a
 * journal written before the contracts had names (rows captured from version 0.1 into
 * {@code legacy-journal/v0.1.json}) still reads into today's classes with the same values.
 */
class ContractsTest {
    private static final ActorTestKit KIT = ActorTestKit.create(ConfigFactory.parseString("pekko.actor.provider = local")
            .withFallback(NorcConfig.load(ConfigFactory.empty())));
    private static final Serialization SERIALIZATION = SerializationExtension.get(KIT.system());

    private static final UUID A = UUID.fromString("00000000-0000-4000-8000-00000000000a");
    private static final UUID B = UUID.fromString("00000000-0000-4000-8000-00000000000b");

    @AfterAll
    static void stop() {
        KIT.shutdownTestKit();
    }

    /** The names released so far. Changing one breaks every journal that holds it: add, never edit. */
    private static final Set<String> RELEASED = Set.of(
            "wire-message",
            "device.claim", "device.store", "device.store-all", "device.attach", "device.detach", "device.acknowledge", "device.spend",
            "device.push", "device.relay", "device.confirm-revoke", "device.revoke-confirmed", "device.revoke", "device.claim-result", "device.store-reply", "device.spent",
            "device.out.deliver", "device.out.ephemeral", "device.out.revoked", "device.out.superseded",
            "device.event.owner-claimed", "device.event.message-stored", "device.event.message-acknowledged",
            "device.event.messages-acknowledged", "device.event.messages-expired", "device.event.device-revoked",
            "device.event.inbox-drained", "device.event.messages-unreadable", "device.disconnect", "device.disconnected",
            "user.list-devices", "user.admin-revoke", "user.devices", "user.set-disabled", "user.disable-result",
            "user.event.user-disabled", "user.event.user-enabled",
            "device.snapshot", "device.restarted",
            "user.create", "user.issue-token", "user.register", "user.get-device", "user.get-keys",
            "user.resolve-recipient", "user.add-contacts", "user.get-contacts", "user.revoke", "user.push-to-devices",
            "user.create-result", "user.token-issued", "user.no-such-user", "user.register-result", "user.revoke-result",
            "user.device-lookup", "user.keys", "user.recipient", "user.contacts",
            "user.event.user-created", "user.event.enrollment-token-issued", "user.event.device-registered",
            "user.event.device-revoked", "user.event.contacts-added", "user.snapshot",
            "user.rotate", "user.rotated", "user.rotate-refused", "user.event.device-rotated",
            "conversation.create", "conversation.update", "conversation.snapshot", "conversation.members", "conversation.send",
            "conversation.applied", "conversation.refused", "conversation.not-allowed", "conversation.sent", "conversation.moved",
            "conversation.member-list", "conversation.member", "conversation.member-devices", "conversation.target",
            "conversation.event.membership-changed", "conversation.event.info-keys-added", "conversation.event.copies-stored",
            "conversation.share-file", "conversation.probe", "conversation.user-devices", "conversation.membership", "device.owner", "device.owned-by",
            "file.upload", "file.seal", "file.read", "file.held", "file.refused", "file.sealed", "file.readable",
            "file.event.upload-bound", "file.event.chunk-stored", "file.event.file-sealed", "file.event.file-expired",
            "user.in-group", "user.event.group-joined", "user.event.group-left",
            "file-quota.reserve", "file-quota.sealed", "file-quota.released", "file-quota.reply",
            "file-quota.event.upload-reserved", "file-quota.event.upload-sealed", "file-quota.event.upload-released",
            "federation.outbox.enqueue", "federation.outbox.delivery-reported", "federation.outbox.report-delivery",
            "federation.outbox.wake", "federation.outbox.queued", "federation.relay-entry",
            "federation.outbox.event.relay-queued", "federation.outbox.event.relay-accepted",
            "federation.outbox.event.relay-failed", "federation.outbox.event.deliveries-reported",
            "federation.outbox.event.ack-queued", "federation.outbox.event.ack-sent", "federation.outbox.snapshot",
            "federation.ledger.begin", "federation.ledger.record", "federation.ledger.abandon", "federation.ledger.proceed",
            "federation.ledger.recorded", "federation.ledger.event.outcome-recorded", "federation.ledger.snapshot",
            "federation.outbox.fail-all",
            "federation.ingress.lease", "federation.ingress.granted", "federation.ingress.refused",
            "federation.link.send", "federation.link.cut", "federation.link.answered", "federation.link.unreachable",
            "trust.get", "trust.add", "trust.ask", "trust.issue-challenge", "trust.answer", "trust.decide", "trust.revoke",
            "trust.revoked-by-peer", "trust.lift-deny", "trust.record", "trust.refused", "trust.summary",
            "trust.event.created", "trust.event.asked", "trust.event.challenge-issued", "trust.event.challenge-answered",
            "trust.event.granted", "trust.event.rejected", "trust.event.revoked", "trust.event.revoked-by-peer",
            "trust.event.deny-lifted", "trust.snapshot",

            "audit.append", "audit.get-head", "audit.head", "audit.event.entry-appended", "audit.snapshot");

    @Test
    void theNamesAreTheReleasedOnes() {
        assertThat(Set.copyOf(ContractNames.all().values())).isEqualTo(RELEASED);
    }

    @Test
    void everyPublicTypeOfTheEntityProtocolsHasAName() {
        List<Class<?>> types = new ArrayList<>();
        for (Class<?> protocol : List.of(DeviceCommand.class, DeviceReply.class, DeviceOutbound.class, DeviceEvent.class,
                UserCommand.class, UserReply.class, UserEvent.class, UserReply.TokenReply.class,
                OutboxCommand.class, OutboxReply.class, OutboxEvent.class, LedgerCommand.class, LedgerReply.class, LedgerEvent.class,
                norc.server.federation.api.IngressCommand.class, norc.server.federation.api.IngressReply.class,
                norc.server.federation.api.LinkCommand.class, norc.server.federation.api.LinkReply.class,
                norc.server.federation.api.TrustCommand.class, norc.server.federation.api.TrustReply.class,
                norc.server.federation.api.TrustEvent.class,

                AuditCommand.class, AuditReply.class, AuditJournalEvent.class,
                norc.server.conversation.api.ConversationCommand.class, norc.server.conversation.api.ConversationReply.class,
                norc.server.conversation.api.ConversationEvent.class, norc.server.files.api.FileCommand.class,
                norc.server.files.api.FileReply.class, norc.server.files.api.FileEvent.class,
                norc.server.files.api.QuotaCommand.class, norc.server.files.api.QuotaEvent.class)) {
            for (Class<?> nested : protocol.getDeclaredClasses()) {
                if (Contract.class.isAssignableFrom(nested) && !nested.isInterface()) {
                    types.add(nested);
                }
            }
        }
        types.addAll(List.of(DeviceSnapshot.class, UserSnapshot.class, DeviceRecord.class, WireMessage.class,
                norc.server.device.api.DeviceRestarted.class, RelayEntry.class, OutboxSnapshot.class, LedgerSnapshot.class,
                norc.server.federation.api.TrustSummary.class, norc.server.federation.api.TrustSnapshot.class,

                AuditSnapshot.class));
        assertThat(types).hasSizeGreaterThan(40);
        for (Class<?> type : types) {
            // a field type, never a message or event of its own; and what a damaged audit row reads as, never written
            if (type != DeviceRecord.class && type != AuditJournalEvent.EntryUnreadable.class) {
                assertThat(ContractNames.all()).as(type.getName()).containsKey(type);
            }
        }
    }

    @Test
    void contractsAreWrittenUnderTheirNamesAndReadBack() throws Exception {
        TestProbe<DeviceReply.StoreReply> probe = KIT.createTestProbe();
        List<Object> samples = List.of(
                new DeviceCommand.Store(A, new byte[] {1, 2}, B, 42, "b.example", probe.getRef()),
                new DeviceCommand.StoreAll(List.of(new DeviceCommand.Store(A, new byte[] {1}, B, 42, null, probe.getRef(), 0, "k", 1,
                        new byte[] {5}), new DeviceCommand.Store(B, new byte[] {2}, null, 43, null, probe.getRef()))),
                new DeviceCommand.Acknowledge(A, AckStatus.READ),
                DeviceCommand.Revoke.INSTANCE,
                new DeviceCommand.Push(WireMessage.of(new MessageAck(A, AckStatus.DELIVERED, Optional.of(B), Optional.empty()))),
                new DeviceReply.Spent(7),
                DeviceReply.ClaimResult.TAKEN,
                new DeviceOutbound.Deliver(A, new byte[] {3}, 0),
                DeviceOutbound.Superseded.INSTANCE,
                new DeviceEvent.MessagesAcknowledged(List.of(A, B)),
                new UserCommand.GetKeys(Optional.of(List.of(A)), KIT.<UserReply.Keys>createTestProbe().getRef()),
                new UserReply.DeviceLookup(Optional.of(record())),
                new UserEvent.DeviceRevoked(A, B, 1, 2, "lost", WireEncoding.JSON, new byte[] {9}),
                new UserSnapshot(true, Map.of(A, record()), Map.of("h", 5L), Set.of(), Map.of("bob@localhost", 1700000000000L), true),
                new OutboxCommand.Enqueue(relay(), KIT.<OutboxReply.Queued>createTestProbe().getRef()),
                OutboxCommand.Wake.INSTANCE,
                new OutboxEvent.RelayQueued(relay()),
                new OutboxEvent.AckQueued(A, List.of(B), List.of()),
                new OutboxSnapshot(List.of(relay()), List.of(new OutboxSnapshot.Awaiting(A, B, List.of(B), 1700000000L)),
                        List.of(new OutboxEvent.AckQueued(B, List.of(), List.of(A)))),
                new LedgerCommand.Record(A, 0, 1700000000000L, KIT.<LedgerReply>createTestProbe().getRef()),
                new LedgerReply.Recorded(A, 5004),
                new LinkCommand.Send(new LinkCommand.Relay(relay()), KIT.<LinkReply>createTestProbe().getRef()),
                new LinkCommand.Send(new LinkCommand.Ack(A, "a.example", List.of(B), List.of()), KIT.<LinkReply>createTestProbe().getRef()),
                new LinkCommand.Send(new LinkCommand.Keys(List.of("bob@b.example"), null), KIT.<LinkReply>createTestProbe().getRef()),
                new LinkCommand.Send(new LinkCommand.TrustCapability(true), KIT.<LinkReply>createTestProbe().getRef()),
                new LinkCommand.Send(new LinkCommand.TrustRequest(norc.wire.message.Atoms.TrustLevel.VERIFIED),
                        KIT.<LinkReply>createTestProbe().getRef()),
                new LinkCommand.Send(new LinkCommand.TrustResponse(A, new byte[] {7}), KIT.<LinkReply>createTestProbe().getRef()),
                new LinkCommand.Send(new LinkCommand.TrustRevoke(norc.wire.message.Atoms.TrustRevocationReason.POLICY),
                        KIT.<LinkReply>createTestProbe().getRef()),
                new LinkCommand.Cut("trust revoked"),
                LinkReply.Answered.of(429, null, norc.wire.message.ErrorMessage.of(norc.error.ErrorCode.RATE_LIMITED, 3)),
                LinkReply.Unreachable.of(norc.error.ErrorCode.UNAVAILABLE, 1),
                new LedgerSnapshot(List.of(new LedgerEvent.OutcomeRecorded(A, 0, 1700000000000L))),
                new norc.server.federation.api.TrustEvent.Granted(norc.wire.message.Atoms.TrustLevel.BASIC, "dns", "policy",
                        new byte[32], 1700000000000L, new byte[32]),
                new norc.server.federation.api.TrustReply.Record(norc.server.federation.api.TrustSummary.none("b.example"),
                        norc.server.federation.api.TrustReply.Outcome.PENDING,
                        new norc.server.federation.api.TrustReply.ChallengeView(A, new byte[32], "manual", new byte[] {1}, 1700000000L)),

                new AuditCommand.Append("admin.action", Map.of("action", "user.created", "user", "u:0f")),
                new AuditCommand.GetHead(KIT.<AuditReply.Head>createTestProbe().getRef()),
                new AuditReply.Head(2, new byte[32], 0),
                new AuditJournalEvent.EntryAppended(1, 1700000000000L, new byte[] {1, 0, 7}, new byte[32]),
                new AuditSnapshot(1000, new byte[32], 0));
        for (Object sample : samples) {
            Serializer serializer = SERIALIZATION.findSerializerFor(sample);
            assertThat(serializer.identifier()).isEqualTo(ContractSerializer.IDENTIFIER);
            String manifest = Serializers.manifestFor(serializer, sample);
            assertThat(manifest).isEqualTo(ContractNames.nameOf(sample.getClass()));
            Object back = SERIALIZATION.deserialize(SERIALIZATION.serialize(sample).get(), serializer.identifier(), manifest).get();
            assertThat(back).usingRecursiveComparison().isEqualTo(sample);
        }
        WireMessage wire = ((DeviceCommand.Push) samples.get(4)).message();
        Object decoded = ((DeviceCommand.Push) SERIALIZATION.deserialize(
                SERIALIZATION.serialize(samples.get(4)).get(), ContractSerializer.IDENTIFIER, "device.push").get()).message().decode();
        assertThat(decoded).usingRecursiveComparison().isEqualTo(wire.decode());
    }

    @Test
    void aDamagedAuditEntryReadsAsUnreadableInsteadOfFailing() {
        byte[] stored = SERIALIZATION.serialize(new AuditJournalEvent.EntryAppended(1, 5, new byte[] {1}, new byte[32])).get();
        byte[] damaged = stored.clone();
        damaged[0] = (byte) 0xff; // a CBOR break code where the map should start
        Object read = SERIALIZATION.deserialize(damaged, ContractSerializer.IDENTIFIER, "audit.event.entry-appended").get();
        assertThat(read).isInstanceOf(AuditJournalEvent.EntryUnreadable.class);
        assertThat(((AuditJournalEvent.EntryUnreadable) read).storedBytes()).isEqualTo(damaged);
        assertThat(SERIALIZATION.deserialize(java.util.Arrays.copyOf(stored, 3), ContractSerializer.IDENTIFIER,
                "audit.event.entry-appended").get()).isInstanceOf(AuditJournalEvent.EntryUnreadable.class);
        // other contracts still fail loudly
        assertThat(SERIALIZATION.deserialize(damaged, ContractSerializer.IDENTIFIER, "audit.snapshot").isFailure()).isTrue();
        assertThatThrownBy(() -> SERIALIZATION.serialize(new AuditJournalEvent.EntryUnreadable(damaged)).get())
                .hasMessageContaining("not a named contract");
    }

    @Test
    void aClassWithoutANameIsRefused() {
        record Unnamed(int x) implements Contract {}
        assertThatThrownBy(() -> SERIALIZATION.serialize(new Unnamed(1)).get()).hasMessageContaining("not a named contract");
        assertThat(SERIALIZATION.deserialize(new byte[] {(byte) 0xa0}, ContractSerializer.IDENTIFIER, "no.such.name").isFailure()).isTrue();
    }

    @Test
    void aJournalWrittenBeforeTheNamesReadsIntoTodaysClasses() throws Exception {
        DeviceRecord device = record();
        List<Object> expected = List.of(
                new DeviceEvent.OwnerClaimed("alice@localhost"),
                new DeviceEvent.MessageStored(A, new byte[] {1, 2, 3}, B, 1700000000000L, 1700000600000L, null),
                new DeviceEvent.MessageAcknowledged(A),
                new DeviceEvent.MessagesAcknowledged(List.of(A, B)),
                new DeviceEvent.MessagesExpired(List.of(B)),
                new DeviceEvent.DeviceRevoked(1700000000001L),
                new DeviceSnapshot("alice@localhost", false,
                        List.of(new DeviceSnapshot.StoredMessage(A, new byte[] {4, 5}, B, 1700000000000L, 1700000600000L, null, 0, 2, 0)), List.of(B)),
                new UserEvent.UserCreated(1700000000000L),
                new UserEvent.EnrollmentTokenIssued("abcd", 1700000600L),
                new UserEvent.DeviceRegistered(device, "abcd", true),
                new UserEvent.DeviceRevoked(A, B, 1700000000L, 1700000000002L, "lost", WireEncoding.BINARY, new byte[] {9, 9}),
                new UserEvent.ContactsAdded(Set.of("bob@localhost"), 0),
                new UserSnapshot(true, Map.of(A, device), Map.of("abcd", 1700000600L), Set.of("bob@localhost"), null, null));
        JsonNode rows;
        try (InputStream in = getClass().getResourceAsStream("/legacy-journal/v0.1.json")) {
            rows = new ObjectMapper().readTree(in);
        }
        assertThat(rows).hasSize(expected.size());
        for (int i = 0; i < expected.size(); i++) {
            JsonNode row = rows.get(i);
            assertThat(row.get("manifest").asText()).startsWith("norc.server."); // the old class names
            Object read = SERIALIZATION.deserialize(Base64.getDecoder().decode(row.get("bytes").asText()),
                    row.get("serializerId").asInt(), row.get("manifest").asText()).get();
            assertThat(read).as(row.get("manifest").asText()).isInstanceOf(expected.get(i).getClass())
                    .usingRecursiveComparison().isEqualTo(expected.get(i));
        }
    }

    private static RelayEntry relay() {
        return new RelayEntry(A, B, A, List.of("bob@b.example"), Map.of(B, new byte[] {0x10, 1}), "unclassified", 1700086400L);
    }

    private static DeviceRecord record() {
        byte[] key = new byte[32];
        key[0] = 7;
        return new DeviceRecord(A, key, key, "phone", "mobile", 1700000000000L, 0);
    }
}
