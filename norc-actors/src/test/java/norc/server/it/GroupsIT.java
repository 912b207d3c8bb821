package norc.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import norc.client.ChainStore;
import norc.client.DeviceIdentity;
import norc.client.GroupChange;
import norc.client.GroupView;
import norc.client.NorcClient;
import norc.client.ReceiveHistory;
import norc.client.ServerError;
import norc.error.ErrorCode;
import norc.error.NorcException;
import norc.wire.WireEncoding;
import norc.wire.message.Atoms.InvitedRole;
import norc.wire.message.Atoms.MembershipChange;
import norc.wire.message.Atoms.Role;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Groups profile A against a real server over real TLS, with SDK clients: five users with two
 * devices each (one binary, one JSON) in one group. Creation reaches every device with the
 * title; concurrent senders' messages reach every other device, each device in the same order;
 * an added member sees only later messages; a removed one and one who left receive nothing
 * after; role changes and an ownership transfer apply everywhere, a member without the right is
 * {@code 2003}; a member's new device is announced by {@code devices_changed} and the sender's
 * stale key set is refused {@code 3013}, re-wrapped and stored once; a non-member probing the id
 * hears exactly what an unknown id hears. And a restart in the middle loses nothing and shows
 * nothing twice.
 */
class GroupsIT {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    static Path dir;

    /** One device of a user: its client, what it heard, and what it keeps across connections. */
    private record Device(String user, DeviceIdentity identity, NorcClient client, RecordingListener hears, ReceiveHistory history,
                          ChainStore chains) {
        String name() {
            return user.substring(0, user.indexOf('@')) + "/" + identity.deviceId().toString().substring(0, 4);
        }
    }

    @Test
    void fiveUsersWithTwoDevicesEachLiveThroughEveryChangeInOneOrder() throws Exception {
        try (TestServer server = TestServer.start(dir.resolve("five"), "")) {
            Map<String, List<Device>> users = new LinkedHashMap<>();
            for (String name : List.of("ann", "ben", "cat", "dan", "eve")) {
                users.put(name, List.of(register(server, name, WireEncoding.BINARY), register(server, name, WireEncoding.JSON)));
            }
            String ann = users.get("ann").get(0).user();
            String ben = users.get("ben").get(0).user();
            String cat = users.get("cat").get(0).user();
            String dan = users.get("dan").get(0).user();
            String eve = users.get("eve").get(0).user();
            Device a1 = users.get("ann").get(0);

            // creation: every device of the group hears it and can read the title
            Map<String, InvitedRole> invited = Map.of(ben, InvitedRole.ADMIN, cat, InvitedRole.MEMBER, dan, InvitedRole.MEMBER);
            GroupView created = a1.client().createGroup(invited, "Project Kestrel").get(20, TimeUnit.SECONDS);
            UUID group = created.conversationId();
            assertThat(group.version()).isEqualTo(4);
            assertThat(created.version()).isEqualTo(1);
            assertThat(created.members()).containsEntry(ann, Role.OWNER).containsEntry(ben, Role.ADMIN).containsEntry(cat, Role.MEMBER);
            assertThat(created.title()).hasValue("Project Kestrel");
            List<Device> members = devicesOf(users, "ann", "ben", "cat", "dan");
            for (Device d : members) {
                if (d != a1) {
                    assertThat(awaitChange(d, MembershipChange.CREATED).group()).isPresent();
                    assertThat(d.client().group(group).orElseThrow().title()).as(d.name()).hasValue("Project Kestrel");
                }
            }

            // three senders at once, ten rounds: every other device gets every message, all in the same order
            List<Device> senders = List.of(a1, users.get("ben").get(1), users.get("cat").get(0));
            List<CompletableFuture<?>> sends = new ArrayList<>();
            for (int round = 0; round < 10; round++) {
                for (Device sender : senders) {
                    sends.add(sender.client().sendToGroup(group, bytes("r" + round + " " + sender.name())));
                }
            }
            CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            for (Device d : members) {
                awaitMessages(d, senders.contains(d) ? 20 : 30);
            }
            assertSameOrder(members);

            // eve joins (added by ben, an admin): her devices learn the group and see only later messages
            users.get("ben").get(0).client().addToGroup(group, List.of(eve), InvitedRole.MEMBER).get(20, TimeUnit.SECONDS);
            for (Device d : users.get("eve")) {
                GroupChange added = awaitChange(d, MembershipChange.ADDED);
                assertThat(added.group().orElseThrow().members()).containsKeys(ann, ben, cat, dan, eve);
                assertThat(d.client().group(group).orElseThrow().title()).hasValue("Project Kestrel");
            }
            users.get("dan").get(0).client().sendToGroup(group, bytes("after eve")).get(20, TimeUnit.SECONDS);
            for (Device d : users.get("eve")) {
                assertThat(text(d.hears().messages.poll(20, TimeUnit.SECONDS))).isEqualTo("after eve");
                assertThat(d.hears().timeline.stream().filter(t -> t.startsWith("r"))).as("nothing from before").isEmpty();
            }

            // cat removed by ann: told once, then nothing more reaches her
            a1.client().removeFromGroup(group, List.of(cat)).get(20, TimeUnit.SECONDS);
            for (Device d : users.get("cat")) {
                assertThat(awaitChange(d, MembershipChange.REMOVED).group()).isEmpty();
                assertThat(d.client().group(group)).isEmpty();
            }
            users.get("eve").get(0).client().sendToGroup(group, bytes("after cat")).get(20, TimeUnit.SECONDS);
            awaitText(users.get("ann").get(1), "after cat");

            // roles: dan becomes admin, then ben owner (ann becomes admin); eve, a member, may not remove anyone (2003)
            a1.client().setRole(group, dan, Role.ADMIN).get(20, TimeUnit.SECONDS);
            a1.client().setRole(group, ben, Role.OWNER).get(20, TimeUnit.SECONDS);
            Device e2 = users.get("eve").get(1);
            awaitVersion(e2, group, 5);
            assertThat(e2.client().group(group).orElseThrow().members()).containsEntry(ben, Role.OWNER).containsEntry(ann, Role.ADMIN)
                    .containsEntry(dan, Role.ADMIN).containsEntry(eve, Role.MEMBER).doesNotContainKey(cat);
            assertThat(errorOf(() -> e2.client().removeFromGroup(group, List.of(dan)).get(20, TimeUnit.SECONDS)))
                    .isEqualTo(ErrorCode.ROLE_INSUFFICIENT);

            // dan leaves from his second device: his first hears it, and nothing reaches either after
            users.get("dan").get(1).client().leaveGroup(group).get(20, TimeUnit.SECONDS);
            assertThat(awaitChange(users.get("dan").get(0), MembershipChange.LEFT).group()).isEmpty();
            users.get("ann").get(1).client().sendToGroup(group, bytes("after dan")).get(20, TimeUnit.SECONDS);
            awaitText(users.get("eve").get(0), "after dan");

            // ben's new device: announced at once by devices_changed (with the members); the sender's stale keys refused
            // 3013 and re-wrapped, the message stored and shown once
            double staleBefore = refused(server, 3013);
            Device b3 = register(server, "ben", WireEncoding.BINARY);
            GroupChange announced = awaitChange(b3, MembershipChange.DEVICES_CHANGED); // at once, before anyone sends
            assertThat(announced.subjects()).containsExactly(ben);
            assertThat(announced.group().orElseThrow().members()).containsKeys(ann, ben, eve).doesNotContainKeys(cat, dan);
            a1.client().sendToGroup(group, bytes("after ben's new device")).get(20, TimeUnit.SECONDS);
            assertThat(text(b3.hears().messages.poll(20, TimeUnit.SECONDS))).isEqualTo("after ben's new device");
            // ben's other device that knew his devices wrapped the title's key for the new one (add_info_keys)
            long titled = System.nanoTime() + WAIT.toNanos();
            while (b3.client().group(group).flatMap(GroupView::title).isEmpty() && System.nanoTime() < titled) {
                Thread.sleep(100);
            }
            assertThat(b3.client().group(group).orElseThrow().title()).hasValue("Project Kestrel");
            assertThat(refused(server, 3013)).as("the first try was refused 3013").isGreaterThan(staleBefore);
            for (Device d : List.of(users.get("ben").get(0), users.get("eve").get(1))) {
                awaitText(d, "after ben's new device");
            }

            // the removed and the departed heard nothing after they went
            Thread.sleep(1000);
            for (Device d : devicesOf(users, "cat")) {
                assertThat(d.hears().timeline).as(d.name()).doesNotContain("after cat", "after dan", "after ben's new device");
            }
            for (Device d : devicesOf(users, "dan")) {
                assertThat(d.hears().timeline).as(d.name()).doesNotContain("after dan", "after ben's new device");
            }
            List<Device> everyone = new ArrayList<>(devicesOf(users, "ann", "ben", "cat", "dan", "eve"));
            everyone.add(b3);
            assertSameOrder(everyone);
            for (Device d : everyone) {
                assertThat(d.history().duplicatesDropped()).as(d.name()).isZero();
            }

            // a non-member probing the group hears exactly what an unknown id hears: 2001 naming only its request
            Device fay = register(server, "fay", WireEncoding.JSON);
            ServerError probed = serverErrorOf(() -> fay.client().refreshGroup(group).get(20, TimeUnit.SECONDS));
            ServerError unknown = serverErrorOf(() -> fay.client().refreshGroup(UUID.randomUUID()).get(20, TimeUnit.SECONDS));
            ServerError removed = serverErrorOf(() -> users.get("cat").get(0).client().refreshGroup(group).get(20, TimeUnit.SECONDS));
            for (ServerError e : List.of(probed, unknown, removed)) {
                assertThat(e.code()).isEqualTo(2001);
                assertThat(e.details()).containsOnlyKeys("request_id");
            }
            // the audit log has every change and its version under the group's pseudonym, and no one's id (A.6)
            List<Map<String, String>> changes = new ArrayList<>();
            long until = System.nanoTime() + WAIT.toNanos();
            while (changes.stream().noneMatch(f -> "devices_changed".equals(f.get("change"))) && System.nanoTime() < until) {
                Thread.sleep(200);
                changes = groupChanges(server);
            }
            assertThat(changes).extracting(f -> f.get("change"))
                    .contains("created", "added", "removed", "role_changed", "left", "devices_changed");
            for (Map<String, String> fields : changes) {
                assertThat(fields).containsKeys("change", "version", "conversation").doesNotContainKey("user");
                assertThat(fields.values()).doesNotContain(group.toString(), ann, ben, cat, dan, eve);
            }
            for (List<Device> ds : users.values()) {
                ds.forEach(d -> d.client().close());
            }
            b3.client().close();
            fay.client().close();
        }
    }

    @Test
    void aRestartInTheMiddleOfAGroupLosesNothingAndShowsNothingTwice() throws Exception {
        Path data = dir.resolve("restart");
        List<Device> devices = new ArrayList<>();
        UUID group;
        try (TestServer server = TestServer.start(data, "")) {
            for (String name : List.of("gus", "hal", "ida")) {
                devices.add(register(server, name, WireEncoding.BINARY));
            }
            group = devices.get(0).client().createGroup(Map.of(devices.get(1).user(), InvitedRole.MEMBER,
                    devices.get(2).user(), InvitedRole.ADMIN), "restart").get(20, TimeUnit.SECONDS).conversationId();
            for (int i = 0; i < 10; i++) {
                devices.get(i % 3).client().sendToGroup(group, bytes("before " + i)).get(20, TimeUnit.SECONDS);
            }
            // the last sends are accepted but (maybe) not yet delivered when the server goes
        }
        List<Device> again = new ArrayList<>();
        try (TestServer server = TestServer.start(data, "")) {
            for (Device d : devices) {
                again.add(reconnect(server, d));
            }
            for (int i = 10; i < 20; i++) {
                again.get(i % 3).client().sendToGroup(group, bytes("after " + i)).get(20, TimeUnit.SECONDS);
            }
            for (int i = 0; i < 3; i++) {
                Device d = again.get(i);
                int own = 0;
                for (int k = 0; k < 20; k++) {
                    own += k % 3 == i ? 1 : 0;
                }
                awaitMessages(d, 20 - own);
                Thread.sleep(300);
                assertThat(d.hears().messages).as(d.name() + ": exactly once each").hasSize(20 - own);
            }
            assertSameOrder(again);
            again.forEach(d -> d.client().close());
        }
    }

    /**
     * Build item 2, "the ciphertext stored once": three 48 KiB messages to a group of five, whose
     * four recipients are offline so every copy waits in its inbox. The journal grows by less than
     * one ciphertext per message (twelve copies without their ciphertexts), the body table holds
     * each ciphertext once and never the text; the recipients, back, read every message whole.
     */
    @Test
    void aGroupMessagesCiphertextIsStoredOnceForAllItsCopies() throws Exception {
        try (TestServer server = TestServer.start(dir.resolve("stored-once"), "")) {
            List<Device> devices = new ArrayList<>();
            for (String name : List.of("jo", "kim", "lee", "max", "ned")) {
                devices.add(register(server, name, WireEncoding.BINARY));
            }
            Device sender = devices.get(0);
            Map<String, InvitedRole> invited = new LinkedHashMap<>();
            devices.subList(1, 5).forEach(d -> invited.put(d.user(), InvitedRole.MEMBER));
            UUID group = sender.client().createGroup(invited, "stored once").get(20, TimeUnit.SECONDS).conversationId();
            for (Device d : devices.subList(1, 5)) {
                awaitVersion(d, group, 1);
                d.client().close();
            }
            String url = server.server.settings().database().url();
            long journalBefore = sumOf(url, "select sum(length(\"event_payload\")) from \"event_journal\"");
            List<String> texts = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                StringBuilder text = new StringBuilder("message " + i + " ");
                while (text.length() < 48 * 1024) {
                    text.append(Long.toString(TestServer.RANDOM.nextLong(), 36));
                }
                texts.add(text.toString());
                sender.client().sendToGroup(group, bytes(text.toString())).get(20, TimeUnit.SECONDS);
            }
            long journalGrowth = sumOf(url, "select sum(length(\"event_payload\")) from \"event_journal\"") - journalBefore;
            assertThat(journalGrowth).as("the journal's growth for 12 copies of 48 KiB").isLessThan(48 * 1024);
            assertThat(sumOf(url, "select count(*) from \"norc_message_bodies\" where length(\"body\") > " + 48 * 1024))
                    .as("each ciphertext once").isEqualTo(3);
            try (java.sql.Connection c = java.sql.DriverManager.getConnection(url, "sa", "");
                 java.sql.ResultSet rows = c.createStatement().executeQuery("select \"body_key\", \"body\" from \"norc_message_bodies\"")) {
                while (rows.next()) {
                    assertThat(rows.getString(1)).doesNotContain(group.toString());
                    String stored = new String(rows.getBytes(2), StandardCharsets.ISO_8859_1);
                    assertThat(stored).doesNotContain(texts.get(0).substring(20, 60)).doesNotContain("message ");
                }
            }

            for (Device d : devices.subList(1, 5)) {
                Device back = reconnect(server, d);
                awaitMessages(back, 3);
                List<String> heard = new ArrayList<>();
                back.hears().messages.forEach(m -> heard.add(text(m)));
                assertThat(heard).as(back.name()).containsExactlyElementsOf(texts);
                back.client().close();
            }
            sender.client().close();
        }
    }

    /**
     * A group message's receipts reach its sender as a burst, one per member device. The server
     * queues at most 4 frames per connection here (limit 8, half of it for ephemeral messages):
     * past that, receipts are dropped, never the sender's connection; every member still gets
     * every message, and the sender goes on sending on the same session.
     */
    @Test
    void aBurstOfReceiptsNeverClosesTheSendersConnection() throws Exception {
        try (TestServer server = TestServer.start(dir.resolve("receipts"), "norc.client.max-queued-messages = 8")) {
            List<Device> devices = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                devices.add(register(server, "rc" + i, WireEncoding.BINARY));
            }
            Device sender = devices.get(0);
            Map<String, InvitedRole> invited = new LinkedHashMap<>();
            devices.subList(1, devices.size()).forEach(d -> invited.put(d.user(), InvitedRole.MEMBER));
            UUID group = sender.client().createGroup(invited, "receipts").get(20, TimeUnit.SECONDS).conversationId();
            for (Device d : devices.subList(1, devices.size())) {
                awaitVersion(d, group, 1);
            }
            for (int i = 0; i < 6; i++) {
                sender.client().sendToGroup(group, bytes("burst " + i)).get(20, TimeUnit.SECONDS);
            }
            for (Device d : devices.subList(1, devices.size())) {
                awaitMessages(d, 6);
            }
            Thread.sleep(500); // the last receipts
            assertThat(sender.hears().closed).as("the sender's session").isNotDone();
            sender.client().sendToGroup(group, bytes("after the bursts")).get(20, TimeUnit.SECONDS);
            assertThat(sender.hears().receipts.size()).as("receipts heard, some maybe dropped").isPositive();
            devices.forEach(d -> d.client().close());
        }
    }

    /**
     * A.2's fallback: a member with one device replaces it (revokes it, registers another); no
     * device of hers holds the title's key, so the owner wraps it for the new device
     * ({@code add_info_keys} on {@code devices_changed}), which then reads the title.
     */
    @Test
    void theOwnerWrapsTheTitleForTheNewDeviceOfAMemberWithNoOther() throws Exception {
        try (TestServer server = TestServer.start(dir.resolve("owner-wraps"), "")) {
            Device oli = register(server, "oli", WireEncoding.BINARY);
            Device pam = register(server, "pam", WireEncoding.BINARY);
            UUID group = oli.client().createGroup(Map.of(pam.user(), InvitedRole.MEMBER), "Owl Notes").get(20, TimeUnit.SECONDS)
                    .conversationId();
            awaitVersion(pam, group, 1);
            assertThat(pam.client().group(group).orElseThrow().title()).hasValue("Owl Notes");

            pam.client().revokeDevice(pam.identity().deviceId(), norc.wire.message.Atoms.RevocationReason.RETIRED).get(20, TimeUnit.SECONDS);
            awaitChange(oli, MembershipChange.DEVICES_CHANGED); // the owner sees her without devices
            Thread.sleep(500);
            Device pam2 = register(server, "pam", WireEncoding.BINARY);
            long until = System.nanoTime() + WAIT.toNanos();
            while (pam2.client().group(group).flatMap(GroupView::title).isEmpty() && System.nanoTime() < until) {
                Thread.sleep(100);
            }
            assertThat(pam2.client().group(group).map(GroupView::members).orElseThrow()).containsKeys(oli.user(), pam.user());
            assertThat(pam2.client().group(group).orElseThrow().title()).as("the owner wrapped the title's key").hasValue("Owl Notes");
            oli.client().close();
            pam.client().close();
            pam2.client().close();
        }
    }

    private static long sumOf(String url, String query) throws Exception {
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(url, "sa", "");
             java.sql.ResultSet row = c.createStatement().executeQuery(query)) {
            row.next();
            return row.getLong(1);
        }
    }

    /**
     * A.6's presence change: members of a small group hear each other's presence without ever
     * having exchanged a message (a non-member does not); and A.1's groups per user (made 1): a
     * user in a group already cannot be named in another, {@code 2004} naming that user.
     */
    @Test
    void coMembersHearPresenceAndAUserAtItsGroupLimitCannotBeAdded() throws Exception {
        try (TestServer server = TestServer.start(dir.resolve("presence"), "norc.session.presence-max-delay = 0s\n"
                + "norc.groups.max-per-user = 1\n")) {
            Device mia = register(server, "mia", WireEncoding.BINARY);
            Device ned = register(server, "ned", WireEncoding.JSON);
            Device oli = register(server, "oli", WireEncoding.BINARY);
            Device pia = register(server, "pia", WireEncoding.BINARY);
            mia.client().createGroup(Map.of(ned.user(), InvitedRole.MEMBER, oli.user(), InvitedRole.MEMBER), "presence")
                    .get(20, TimeUnit.SECONDS);
            awaitChange(ned, MembershipChange.CREATED);
            awaitChange(oli, MembershipChange.CREATED);
            Thread.sleep(500); // the user entities heard of their group
            mia.client().presence(norc.wire.message.Atoms.PresenceStatus.AWAY, "").get(10, TimeUnit.SECONDS);
            for (Device d : List.of(ned, oli)) {
                norc.wire.message.PresenceUpdate heard = d.hears().presence.poll(10, TimeUnit.SECONDS);
                assertThat(heard).as(d.name()).isNotNull();
                assertThat(heard.userId()).hasValue(mia.user());
            }
            assertThat(pia.hears().presence.poll(1, TimeUnit.SECONDS)).as("not a co-member").isNull();

            ServerError atLimit = serverErrorOf(() -> pia.client().createGroup(Map.of(ned.user(), InvitedRole.MEMBER), "another")
                    .get(20, TimeUnit.SECONDS));
            assertThat(atLimit.code()).isEqualTo(2004);
            assertThat(atLimit.details()).containsEntry("users", ned.user());
            for (Device d : List.of(mia, ned, oli, pia)) {
                d.client().close();
            }
        }
    }

    /** {@code norc group create|add|list|role|leave} and {@code norc send --group} as a user types them. */
    @Test
    void theCliCreatesChangesListsAndSendsToAGroup() throws Exception {
        try (TestServer server = TestServer.start(dir.resolve("cli"), "")) {
            Device jon = register(server, "jon", WireEncoding.BINARY);
            Device kim = register(server, "kim", WireEncoding.JSON);
            Device lou = register(server, "lou", WireEncoding.BINARY);
            jon.client().close(); // the CLI is jon's device from now on
            Path file = dir.resolve("jon.json");
            jon.identity().save(file);
            String[] common = {"--identity", file.toString(), "--server", server.clientUri().toString(),
                    "--trust-cert", server.server.certificatePem().toString()};

            String created = cli(common, "group", "create", "--member", kim.user(), "--title", "CLI crew");
            UUID group = UUID.fromString(created.substring(0, 36));
            assertThat(created).contains("v1", "\"CLI crew\"", jon.user() + "  owner", kim.user() + "  member");
            awaitChange(kim, MembershipChange.CREATED);

            assertThat(cli(common, "send", "--group", group.toString(), "hello crew")).contains("sent ", "in group " + group);
            assertThat(text(kim.hears().messages.poll(20, TimeUnit.SECONDS))).contains("\"text\":\"hello crew\""); // the CLI sends TextContent

            assertThat(cli(common, "group", "add", "--group", group.toString(), "--member", lou.user())).contains("v2", lou.user());
            awaitChange(lou, MembershipChange.ADDED);
            assertThat(cli(common, "group", "role", "--group", group.toString(), "--member", kim.user(), "--role", "admin"))
                    .contains("v3", kim.user() + "  admin");
            assertThat(cli(common, "group", "list")).contains(group.toString(), "v3", "\"CLI crew\"", lou.user());
            assertThat(cli(common, "group", "leave", "--group", group.toString())).contains("left " + group);
            assertThat(awaitChange(kim, MembershipChange.LEFT).subjects()).containsExactly(jon.user());
            assertThat(cli(common, "group", "list")).doesNotContain(group.toString());
            kim.client().close();
            lou.client().close();
        }
    }

    private static String cli(String[] common, String... args) {
        return CliRun.run(CliRun.concat(args, common)).out();
    }

    private static Device register(TestServer server, String name, WireEncoding encoding) throws Exception {
        String user = name + "@" + server.serverId();
        String token = server.createUserWithToken(user);
        DeviceIdentity identity = DeviceIdentity.create(user, "groups-" + name, TestServer.RANDOM);
        RecordingListener hears = new RecordingListener();
        ReceiveHistory history = ReceiveHistory.create();
        ChainStore chains = ChainStore.inMemory();
        NorcClient client = NorcClient.connect(server.transport(encoding), encoding, NorcClient.Options.defaults()
                        .withListener(hears).withPinnedServerKey(server.server.identityPublicKey()).withRequestTimeout(WAIT)
                        .withReceiveHistory(history).withChainStore(chains))
                .get(10, TimeUnit.SECONDS);
        client.register(identity, token).get(20, TimeUnit.SECONDS);
        return new Device(user, identity, client, hears, history, chains);
    }

    /** {@code d} connected again: the application's view and what the device keeps go on. */
    private static Device reconnect(TestServer server, Device d) throws Exception {
        NorcClient client = NorcClient.connect(server.transport(WireEncoding.BINARY), WireEncoding.BINARY,
                NorcClient.Options.defaults().withListener(d.hears()).withPinnedServerKey(server.server.identityPublicKey())
                        .withRequestTimeout(WAIT).withReceiveHistory(d.history()).withChainStore(d.chains()))
                .get(10, TimeUnit.SECONDS);
        client.authenticate(d.identity()).get(20, TimeUnit.SECONDS);
        return new Device(d.user(), d.identity(), client, d.hears(), d.history(), d.chains());
    }

    private static List<Device> devicesOf(Map<String, List<Device>> users, String... names) {
        List<Device> all = new ArrayList<>();
        for (String name : names) {
            all.addAll(users.get(name));
        }
        return all;
    }

    private static GroupChange awaitChange(Device d, MembershipChange change) throws InterruptedException {
        long until = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < until) {
            GroupChange next = d.hears().groups.poll(200, TimeUnit.MILLISECONDS);
            if (next != null && next.change() == change) {
                return next;
            }
        }
        throw new AssertionError(d.name() + " never heard " + change + "; heard " + d.hears().timeline);
    }

    private static void awaitVersion(Device d, UUID group, long version) throws InterruptedException {
        long until = System.nanoTime() + WAIT.toNanos();
        while (d.client().group(group).map(GroupView::version).orElse(0L) < version) {
            if (System.nanoTime() > until) {
                throw new AssertionError(d.name() + " never reached version " + version + "; heard " + d.hears().timeline);
            }
            Thread.sleep(50);
        }
    }

    private static void awaitMessages(Device d, int count) throws InterruptedException {
        long until = System.nanoTime() + WAIT.toNanos();
        while (d.hears().messages.size() < count) {
            if (System.nanoTime() > until) {
                throw new AssertionError(d.name() + " heard " + d.hears().messages.size() + " of " + count + ": " + d.hears().timeline);
            }
            Thread.sleep(50);
        }
    }

    private static void awaitText(Device d, String text) throws InterruptedException {
        long until = System.nanoTime() + WAIT.toNanos();
        while (!d.hears().timeline.contains(text)) {
            if (System.nanoTime() > until) {
                throw new AssertionError(d.name() + " never heard " + text + ": " + d.hears().timeline);
            }
            Thread.sleep(50);
        }
    }

    /**
     * Every two devices heard the messages and changes they share in the same order (the group's
     * one order); snapshots a device asked for itself are its own, not the group's.
     */
    private static void assertSameOrder(List<Device> devices) {
        for (Device a : devices) {
            for (Device b : devices) {
                List<String> shared = groupOrder(a);
                shared.retainAll(groupOrder(b));
                List<String> theirs = groupOrder(b);
                theirs.retainAll(groupOrder(a));
                assertThat(theirs).as(a.name() + " and " + b.name() + " disagree on the order").isEqualTo(shared);
            }
        }
    }

    /** The fields of every {@code group.change} entry of the audit log. */
    private static List<Map<String, String>> groupChanges(TestServer server) throws Exception {
        com.fasterxml.jackson.databind.JsonNode body = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(server.get("/admin/audit/entries?from=1&limit=500").body());
        List<Map<String, String>> changes = new ArrayList<>();
        for (com.fasterxml.jackson.databind.JsonNode entry : body.get("entries")) {
            if ("group.change".equals(entry.path("kind").asText())) {
                @SuppressWarnings("unchecked")
                Map<String, String> fields = (Map<String, String>) norc.audit.AuditEntry.decode(
                        java.util.Base64.getDecoder().decode(entry.get("canonical_entry").asText())).fields();
                changes.add(fields);
            }
        }
        return changes;
    }

    private static List<String> groupOrder(Device d) {
        return new ArrayList<>(d.hears().timeline.stream().filter(t -> !t.startsWith("#snapshot")).toList());
    }

    private static double refused(TestServer server, int code) throws Exception {
        String prefix = "norc_messages_refused_total{code=\"" + code + "\"} ";
        return server.get("/metrics").body().lines().filter(l -> l.startsWith(prefix))
                .mapToDouble(l -> Double.parseDouble(l.substring(prefix.length()))).sum();
    }

    private interface Call {
        void run() throws Exception;
    }

    private static ErrorCode errorOf(Call call) {
        Throwable failure = catchFailure(call);
        assertThat(failure).isInstanceOf(NorcException.class);
        return ((NorcException) failure).code();
    }

    private static ServerError serverErrorOf(Call call) {
        return ServerError.of(catchFailure(call)).orElseThrow(() -> new AssertionError("not a server error"));
    }

    private static Throwable catchFailure(Call call) {
        try {
            call.run();
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            return e;
        }
        throw new AssertionError("did not fail");
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(norc.client.ReceivedMessage message) {
        assertThat(message).isNotNull();
        return new String(message.content(), StandardCharsets.UTF_8);
    }
}
