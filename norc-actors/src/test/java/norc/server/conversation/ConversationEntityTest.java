package norc.server.conversation;

import static norc.server.conversation.MembershipTest.ALICE;
import static norc.server.conversation.MembershipTest.ALICE_1;
import static norc.server.conversation.MembershipTest.BOB;
import static norc.server.conversation.MembershipTest.BOB_1;
import static norc.server.conversation.MembershipTest.BOB_2;
import static norc.server.conversation.MembershipTest.CAROL;
import static norc.server.conversation.MembershipTest.CAROL_1;
import static norc.server.conversation.MembershipTest.DAVE;
import static norc.server.conversation.MembershipTest.DAVE_1;
import static norc.server.conversation.MembershipTest.DEVICES;
import static norc.server.conversation.MembershipTest.ED_1;
import static norc.server.conversation.MembershipTest.info;
import static norc.server.conversation.MembershipTest.keys;
import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.UUID;
import norc.crypto.Ed25519;
import norc.groups.MembershipStatement;
import norc.server.NorcConfig;
import norc.server.contract.WireMessage;
import norc.server.device.api.DeviceCommand;
import norc.server.device.api.DeviceReply;
import norc.server.device.api.InboxEntries;
import norc.wire.MessageType;
import norc.wire.WireEncoding;
import norc.wire.WireLimits;
import norc.wire.message.MessageSend;
import norc.server.storage.BlobTables;
import norc.server.storage.MessageBodies;
import norc.server.storage.SharedCiphertext;
import norc.server.storage.StorageSeal;
import norc.server.conversation.api.ConversationCommand;
import norc.server.conversation.api.ConversationEvent;
import norc.server.conversation.api.ConversationReply;
import norc.wire.message.Atoms.ConversationAction;
import norc.wire.message.Atoms.InvitedRole;
import norc.wire.message.Atoms.MembershipChange;
import norc.wire.message.Atoms.Role;
import norc.wire.message.ConversationCreate;
import norc.wire.message.ConversationUpdate;
import norc.wire.message.MembershipUpdate;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The group entity on the persistence test kit (commands, replies and events through the contract
 * serializer), its inboxes stand-ins that store and answer: a creation answered to the creator
 * with members and info and copied to every other device's inbox with only its own key entry,
 * all signed by the server key; a repeated request id answered again without a second event;
 * additions and removals copied to the right inboxes (members for the added, nothing of the
 * membership for the removed); non-members and unknown ids refused alike; a group message copied
 * to every other device with only its key, refused 3013 naming the stale member when a device is
 * missing, and a member's new device first announced by a devices_changed; the last member
 * leaving leaving a tombstone; and all of it surviving recovery.
 */
class ConversationEntityTest {
    private static final ActorTestKit KIT = ActorTestKit.create(EventSourcedBehaviorTestKit.config()
            .withFallback(ConfigFactory.parseString("pekko.actor.provider = local"))
            .withFallback(NorcConfig.load(ConfigFactory.empty())));
    private static final Ed25519.KeyPair SERVER_KEY = Ed25519.generate(new SecureRandom());
    private static final StorageSeal SEAL = StorageSeal.of(new byte[StorageSeal.SECRET_LENGTH]);
    private static final UUID BOB_3 = UUID.fromString("00000000-0000-4000-8000-0000000000b3");
    /** What each stand-in inbox was asked to store, in order. */
    private static final Map<UUID, List<DeviceCommand.Store>> STORED = new ConcurrentHashMap<>();
    private static final Map<UUID, ActorRef<DeviceCommand>> INBOXES = new HashMap<>();
    /** The user entities' stand-in: what they are told of their groups is not this test's subject. */
    private static final ActorRef<norc.server.user.api.UserCommand> NOBODY = KIT.spawn(Behaviors.ignore());
    /** Where group messages' ciphertexts go, once each: a real table, in memory. */
    private static final BlobTables BLOBS = BlobTables.open(norc.persistence.JournalDatabase.of(
            "jdbc:h2:mem:conversation-bodies;DB_CLOSE_DELAY=-1", "sa", ""), 2, Duration.ofSeconds(5));
    private static final MessageBodies BODIES = MessageBodies.open(BLOBS);

    static {
        for (UUID device : List.of(ALICE_1, BOB_1, BOB_2, BOB_3, CAROL_1, DAVE_1, ED_1)) {
            INBOXES.put(device, KIT.spawn(inbox(device)));
        }
    }

    private UUID id;
    private Map<String, Set<UUID>> devices;
    private EventSourcedBehaviorTestKit<ConversationCommand, ConversationEvent, ConversationEntity.State> group;

    private static Behavior<DeviceCommand> inbox(UUID device) {
        return Behaviors.receiveMessage(command -> {
            List<DeviceCommand.Store> entries = command instanceof DeviceCommand.Store store ? List.of(store)
                    : command instanceof DeviceCommand.StoreAll all ? all.entries() : List.of();
            for (DeviceCommand.Store store : entries) {
                STORED.computeIfAbsent(device, d -> new CopyOnWriteArrayList<>()).add(store);
                store.replyTo().tell(new DeviceReply.StoreReply(device, DeviceReply.StoreResult.STORED, store.messageId()));
            }
            return Behaviors.same();
        });
    }

    @AfterAll
    static void stop() {
        KIT.shutdownTestKit();
        BLOBS.close();
    }

    @BeforeEach
    void fresh() {
        id = UUID.randomUUID();
        devices = new HashMap<>(DEVICES);
        STORED.clear();
        ConversationEntity.Settings settings = new ConversationEntity.Settings(MembershipTest.SERVER, SERVER_KEY.secretKey(),
                MembershipTest.LIMITS, 65552, Duration.ofDays(7), Duration.ofSeconds(3), Duration.ofMillis(200));
        group = EventSourcedBehaviorTestKit.create(KIT.system(), ConversationEntity.create(SEAL, id, settings, INBOXES::get, BODIES,
                norc.server.audit.AuditLog.none(), user -> NOBODY),
                EventSourcedBehaviorTestKit.enabledSerializationSettings().withVerifyEquality(false).withVerifyState(false));
    }

    private ConversationReply create(UUID requestId) {
        Map<String, InvitedRole> invited = new LinkedHashMap<>();
        invited.put(BOB, InvitedRole.ADMIN);
        invited.put(CAROL, InvitedRole.MEMBER);
        ConversationCreate create = new ConversationCreate(requestId, id, invited, info(ALICE, ALICE_1, ALICE_1, BOB_1, BOB_2, CAROL_1));
        return group.<ConversationReply>runCommand(r -> new ConversationCommand.Create(WireMessage.of(create), ALICE, ALICE_1,
                Map.copyOf(devices), r)).reply();
    }

    private ConversationReply update(String actor, UUID device, ConversationAction action, List<String> subjects,
                                     Optional<Role> role, Map<UUID, MessageSend.WrappedKey> infoKeys, long version) {
        ConversationUpdate u = new ConversationUpdate(UUID.randomUUID(), id, version, action, subjects, role, Optional.empty(), infoKeys);
        return group.<ConversationReply>runCommand(r -> new ConversationCommand.Update(WireMessage.of(u), actor, device,
                Map.copyOf(devices), r)).reply();
    }

    /** A group message's ciphertext in these tests. */
    private static final byte[] CIPHERTEXT = "forty-eight bytes of ciphertext, in these tests".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private ConversationReply send(String sender, UUID senderDevice, UUID... keyed) {
        MessageSend m = new MessageSend(UUID.randomUUID(), id, List.of(), new MessageSend.Metadata(1, "text", norc.wire.message.Atoms.Classification.UNCLASSIFIED),
                0, new byte[32], CIPHERTEXT, keys(keyed), new byte[64], Optional.empty(), Optional.empty());
        return group.<ConversationReply>runCommand(r -> new ConversationCommand.Send(WireMessage.of(m), sender, senderDevice,
                Map.copyOf(devices), System.currentTimeMillis() + 60_000, r)).reply();
    }

    private static MembershipUpdate decoded(WireMessage m) {
        return (MembershipUpdate) m.decode();
    }

    /** The membership updates stored since the last call, by inbox (each inbox's latest). */
    private static Map<UUID, MembershipUpdate> copies() {
        Map<UUID, MembershipUpdate> copies = new LinkedHashMap<>();
        STORED.forEach((device, stores) -> {
            for (DeviceCommand.Store store : stores) {
                if (store.type() == InboxEntries.typeOf(MessageType.MEMBERSHIP_UPDATE)) {
                    copies.put(device, (MembershipUpdate) WireEncoding.BINARY.codec(WireLimits.DEFAULT)
                            .decodePayload(MessageType.MEMBERSHIP_UPDATE, store.payload(), 0, store.payload().length));
                }
            }
        });
        STORED.clear();
        return copies;
    }

    @Test
    void aCreationIsAnsweredAndCopiedToEveryOtherDeviceSigned() {
        UUID requestId = UUID.randomUUID();
        ConversationReply.Applied applied = (ConversationReply.Applied) create(requestId);
        MembershipUpdate answer = decoded(applied.answer());
        assertThat(answer.requestId()).hasValue(requestId);
        assertThat(answer.change()).isEqualTo(MembershipChange.CREATED);
        assertThat(answer.members()).hasValueSatisfying(m -> assertThat(m).containsEntry(ALICE, Role.OWNER));
        assertThat(answer.info()).hasValueSatisfying(i -> assertThat(i.keys()).containsOnlyKeys(ALICE_1));
        Map<UUID, MembershipUpdate> copies = copies();
        assertThat(copies).containsOnlyKeys(BOB_1, BOB_2, CAROL_1);
        copies.forEach((device, copy) -> {
            assertThat(copy.requestId()).isEmpty();
            assertThat(copy.info().orElseThrow().keys()).containsOnlyKeys(device);
            assertThat(copy.serverSignature()).isEqualTo(answer.serverSignature()); // one statement, several copies
            assertThat(MembershipStatement.verify(SERVER_KEY.publicKey(), copy,
                    norc.groups.ConversationInfoSeal.infoHash(copy.info().orElseThrow()))).isTrue();
        });

        // the same request again: the same statement, no second event, no second copy
        ConversationReply again = create(requestId);
        assertThat(decoded(((ConversationReply.Applied) again).answer()).updateId()).isEqualTo(answer.updateId());
        assertThat(copies()).isEmpty();
        // another creation of this id, or any request by a non-member, is 2001
        assertThat(create(UUID.randomUUID())).isEqualTo(ConversationReply.NotAllowed.INSTANCE);
        assertThat(group.<ConversationReply>runCommand(r -> new ConversationCommand.Snapshot(UUID.randomUUID(), DAVE, DAVE_1, r))
                .reply()).isEqualTo(ConversationReply.NotAllowed.INSTANCE);
        assertThat(group.<ConversationReply>runCommand(r -> new ConversationCommand.Members(DAVE, r)).reply())
                .isEqualTo(ConversationReply.NotAllowed.INSTANCE);
        assertThat(send(DAVE, DAVE_1, ALICE_1, BOB_1, BOB_2, CAROL_1)).isEqualTo(ConversationReply.NotAllowed.INSTANCE);
    }

    @Test
    void addedMembersLearnTheGroupRemovedOnesOnlyThatTheyLeftAndAllSurvivesRecovery() {
        create(UUID.randomUUID());
        copies();
        ConversationReply.Applied added = (ConversationReply.Applied) update(BOB, BOB_1, ConversationAction.ADD, List.of(DAVE),
                Optional.of(Role.MEMBER), keys(DAVE_1), 1);
        Map<UUID, MembershipUpdate> copies = copies();
        assertThat(copies).containsOnlyKeys(ALICE_1, BOB_2, CAROL_1, DAVE_1);
        assertThat(copies.get(DAVE_1).members()).isPresent(); // the subject's device learns its group
        assertThat(copies.get(CAROL_1).members()).isEmpty(); // the others apply the delta
        assertThat(decoded(added.answer()).members()).isEmpty(); // F.2

        ConversationReply.Applied removed = (ConversationReply.Applied) update(ALICE, ALICE_1, ConversationAction.REMOVE,
                List.of(CAROL), Optional.empty(), keys(), 2);
        Map<UUID, MembershipUpdate> afterRemoval = copies();
        assertThat(afterRemoval).containsKey(CAROL_1);
        assertThat(afterRemoval.get(CAROL_1).members()).isEmpty();
        assertThat(afterRemoval.get(CAROL_1).info()).isEmpty();
        assertThat(decoded(removed.answer()).membershipVersion()).isEqualTo(3);
        // a stale version is 3013 with the current one
        ConversationReply stale = update(ALICE, ALICE_1, ConversationAction.REMOVE, List.of(DAVE), Optional.empty(), keys(), 2);
        assertThat(stale).isEqualTo(new ConversationReply.Refused(3013, Map.of("membership_version", "3")));

        group.restart();
        ConversationReply.MemberList members = (ConversationReply.MemberList) group.<ConversationReply>runCommand(
                r -> new ConversationCommand.Members(ALICE, r)).reply();
        assertThat(members.version()).isEqualTo(3);
        assertThat(members.members()).containsExactly(ALICE, BOB, DAVE);
        assertThat(update(CAROL, CAROL_1, ConversationAction.LEAVE, List.of(), Optional.empty(), keys(), 3))
                .isEqualTo(ConversationReply.NotAllowed.INSTANCE);
    }

    @Test
    void aGroupMessageGoesToEveryOtherDeviceWithOnlyItsKeyAndANewDeviceIsAnnouncedFirst() {
        create(UUID.randomUUID());
        copies();
        assertThat(send(BOB, BOB_1, ALICE_1, BOB_2, CAROL_1)).isInstanceOf(ConversationReply.Sent.class);
        assertThat(STORED).containsOnlyKeys(ALICE_1, BOB_2, CAROL_1); // the sibling device too, not the sender's
        Set<String> bodyKeys = new java.util.HashSet<>();
        STORED.forEach((device, stores) -> {
            DeviceCommand.Store store = stores.get(0);
            MessageSend stripped = (MessageSend) WireEncoding.BINARY.codec(WireLimits.DEFAULT)
                    .decodePayload(MessageType.MESSAGE_SEND, store.payload(), 0, store.payload().length);
            assertThat(stripped.ciphertext()).isEmpty(); // each copy is stored without the ciphertext...
            assertThat(store.body()).isEqualTo(CIPHERTEXT); // ...which goes along for the live connection
            byte[] whole = SharedCiphertext.splice(store.payload(), store.bodyAt(), store.body());
            MessageSend copy = (MessageSend) WireEncoding.BINARY.codec(WireLimits.DEFAULT)
                    .decodePayload(MessageType.MESSAGE_SEND, whole, 0, whole.length);
            assertThat(copy.ciphertext()).isEqualTo(CIPHERTEXT);
            assertThat(copy.keys()).containsOnlyKeys(device);
            assertThat(copy.senderUserId()).hasValue(BOB);
            assertThat(store.senderDevice()).isEqualTo(BOB_1);
            bodyKeys.add(store.bodyKey());
        });
        assertThat(bodyKeys).hasSize(1); // stored once, before any copy
        assertThat(BODIES.get(bodyKeys).join().get(bodyKeys.iterator().next())).isEqualTo(CIPHERTEXT);
        STORED.clear();

        // a device missing from the keys: 3013 naming its user, nothing stored
        ConversationReply.Refused missing = (ConversationReply.Refused) send(BOB, BOB_1, ALICE_1, BOB_2);
        assertThat(missing.code()).isEqualTo(3013);
        assertThat(missing.details()).containsEntry("membership_version", "1").containsEntry("stale_users", CAROL);
        assertThat(STORED).isEmpty();

        // bob's new device: a devices_changed first (bob's devices learn the members), then the stale send is 3013
        devices.put(BOB, Set.of(BOB_1, BOB_2, BOB_3));
        ConversationReply.Refused stale = (ConversationReply.Refused) send(ALICE, ALICE_1, BOB_1, BOB_2, CAROL_1);
        assertThat(stale.details()).containsEntry("membership_version", "2").containsEntry("stale_users", BOB);
        Map<UUID, MembershipUpdate> announced = copies();
        assertThat(announced).containsOnlyKeys(ALICE_1, BOB_1, BOB_2, BOB_3, CAROL_1);
        assertThat(announced.get(BOB_3).change()).isEqualTo(MembershipChange.DEVICES_CHANGED);
        assertThat(announced.get(BOB_3).subjects()).containsExactly(BOB);
        assertThat(announced.get(BOB_3).members()).isPresent();
        assertThat(announced.get(CAROL_1).members()).isEmpty();
        // re-wrapped for the new device: stored for it too
        assertThat(send(ALICE, ALICE_1, BOB_1, BOB_2, BOB_3, CAROL_1)).isInstanceOf(ConversationReply.Sent.class);
        assertThat(STORED).containsOnlyKeys(BOB_1, BOB_2, BOB_3, CAROL_1);

        group.restart(); // the device set it decided on survives: no second devices_changed
        STORED.clear();
        assertThat(send(CAROL, CAROL_1, ALICE_1, BOB_1, BOB_2, BOB_3)).isInstanceOf(ConversationReply.Sent.class);
        assertThat(copies()).isEmpty();
    }

    @Test
    void theOwnerLeavingReachesEveryInboxAsTwoStatementsInOrder() {
        create(UUID.randomUUID());
        STORED.clear();
        ConversationReply.Applied left = (ConversationReply.Applied) update(ALICE, ALICE_1, ConversationAction.LEAVE, List.of(),
                Optional.empty(), keys(), 1);
        assertThat(decoded(left.answer()).change()).isEqualTo(MembershipChange.LEFT);
        for (UUID device : List.of(BOB_1, BOB_2, CAROL_1)) {
            List<MembershipUpdate> updates = STORED.get(device).stream().map(store -> (MembershipUpdate) WireEncoding.BINARY
                    .codec(WireLimits.DEFAULT).decodePayload(MessageType.MEMBERSHIP_UPDATE, store.payload(), 0, store.payload().length))
                    .toList();
            assertThat(updates).extracting(MembershipUpdate::change)
                    .containsExactly(MembershipChange.LEFT, MembershipChange.ROLE_CHANGED);
            assertThat(updates).extracting(MembershipUpdate::membershipVersion).containsExactly(2L, 3L);
            assertThat(updates.get(1).subjects()).containsExactly(BOB); // the admin who joined first
        }
    }

    @Test
    void theLastMemberLeavingLeavesATombstone() {
        create(UUID.randomUUID());
        long version = 1;
        for (String[] who : new String[][] {{CAROL, CAROL_1.toString()}, {BOB, BOB_1.toString()}, {ALICE, ALICE_1.toString()}}) {
            ConversationReply.Applied left = (ConversationReply.Applied) update(who[0], UUID.fromString(who[1]), ConversationAction.LEAVE,
                    List.of(), Optional.empty(), keys(), version);
            version = decoded(left.answer()).membershipVersion();
        }
        group.restart();
        assertThat(group.<ConversationReply>runCommand(r -> new ConversationCommand.Members(ALICE, r)).reply())
                .isEqualTo(ConversationReply.NotAllowed.INSTANCE);
        assertThat(create(UUID.randomUUID())).as("a tombstoned id is never reused").isEqualTo(ConversationReply.NotAllowed.INSTANCE);
    }
}
