package norc.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import norc.client.ClientListener;
import norc.client.DeviceIdentity;
import norc.client.NorcClient;
import norc.client.OutgoingFile;
import norc.client.ReceivedFile;
import norc.client.ServerError;
import norc.error.ErrorCode;
import norc.error.NorcException;
import norc.wire.WireEncoding;
import norc.wire.message.Atoms.InvitedRole;
import norc.wire.message.ErrorMessage;
import norc.wire.message.FileChunkRequest;
import norc.wire.message.NorcMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Groups profile B against a real server over real TLS, with SDK clients: a 20 MiB file sent to a
 * group, its upload cut off half way and resumed on a new connection (only the missing chunks
 * go), sealed, and downloaded by every other member device (one binary, one JSON session) and
 * checked byte for byte; a removed member and a non-member get {@code 2001} exactly like an
 * unknown file; the server's storage holds neither the plaintext nor the file name. A 1:1 file
 * reaches its recipient and nobody else. And an upload cut off by a server restart resumes.
 */
class FilesIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String NAME = "kestrel-secret-plans.pdf";

    @TempDir
    static Path dir;

    /** A device and the files it was told of. */
    private record Device(String user, DeviceIdentity identity, NorcClient client, BlockingQueue<ReceivedFile> files) {}

    @Test
    void aTwentyMebibyteFileReachesEveryMemberDeviceAfterAResumedUpload() throws Exception {
        Path data = dir.resolve("group");
        try (TestServer server = TestServer.start(data, "")) {
            Device ann = register(server, "ann", WireEncoding.BINARY);
            Device ann2 = register(server, "ann", WireEncoding.JSON);
            Device ben = register(server, "ben", WireEncoding.JSON);
            Device cat = register(server, "cat", WireEncoding.BINARY);
            Device dan = register(server, "dan", WireEncoding.BINARY);
            UUID group = ann.client().createGroup(Map.of(ben.user(), InvitedRole.MEMBER, cat.user(), InvitedRole.MEMBER), "files")
                    .get(20, TimeUnit.SECONDS).conversationId();

            Path original = dir.resolve("original.bin");
            byte[] content = new byte[20 * 1024 * 1024 + 12_345]; // 321 chunks, the last one short
            TestServer.RANDOM.nextBytes(content);
            Files.write(original, content);

            // the upload is cut off half way: its connection closes under it
            OutgoingFile file = ann.client().prepareFile(group, original, NAME, "application/pdf");
            NorcClient first = ann.client();
            CompletableFuture<Integer> cut = first.uploadFile(file, (done, total) -> {
                if (done >= total / 2) {
                    first.close();
                }
            });
            assertThat(failure(cut)).isInstanceOf(NorcException.class);

            // resumed on a new connection of the same device: only what the server lacks goes again
            NorcClient again = reconnect(server, ann, WireEncoding.BINARY, ClientListener.NONE);
            int held = again.uploadFile(file, norc.client.FileProgress.NONE).get(120, TimeUnit.SECONDS);
            assertThat(held).as("chunks the server held from the first upload").isBetween(file.chunkCount() / 3, file.chunkCount() - 1);
            again.shareFile(file, List.of()).get(30, TimeUnit.SECONDS);

            for (Device d : List.of(ann2, ben, cat)) {
                ReceivedFile received = d.files().poll(30, TimeUnit.SECONDS);
                assertThat(received).as(d.user()).isNotNull();
                assertThat(received.name()).isEqualTo(NAME);
                assertThat(received.size()).isEqualTo(content.length);
                assertThat(received.senderUserId()).isEqualTo(ann.user());
                Path copy = dir.resolve("copy-" + d.identity().deviceId() + ".bin");
                d.client().downloadFile(received, copy, norc.client.FileProgress.NONE).get(120, TimeUnit.SECONDS);
                assertThat(Files.mismatch(original, copy)).as(d.user() + " got it byte for byte").isEqualTo(-1L);
            }

            // cat removed: her download stops at once; dan, never a member, and an unknown id get the same 2001
            again.removeFromGroup(group, List.of(cat.user())).get(20, TimeUnit.SECONDS);
            List<ErrorMessage> refusals = new ArrayList<>();
            for (UUID id : List.of(file.fileId(), UUID.randomUUID())) {
                RawClient raw = RawClient.registered(server, "dan-raw-" + refusals.size() + "@" + server.serverId());
                raw.send(new FileChunkRequest(id, 0));
                NorcMessage answer = raw.receive();
                assertThat(answer).isInstanceOf(ErrorMessage.class);
                refusals.add((ErrorMessage) answer);
                raw.close();
            }
            for (ErrorMessage refusal : refusals) {
                assertThat(refusal.errorCode()).isEqualTo(ErrorCode.FORBIDDEN.code());
                assertThat(refusal.details()).containsOnlyKeys("file_id");
            }
            ServerError removed = ServerError.of(failure(cat.client().downloadFile(LAST.get(cat.identity().deviceId()),
                    dir.resolve("cat-again.bin"), norc.client.FileProgress.NONE))).orElseThrow();
            assertThat(removed.code()).isEqualTo(2001);
            assertThat(removed.details()).containsOnlyKeys("file_id");

            // the server's storage: no plaintext, no file name, anywhere under its data directory
            assertStorageHoldsNo(data, content, NAME);
            for (Device d : List.of(ann2, ben, cat, dan)) {
                d.client().close();
            }
            again.close();
        }
    }

    @Test
    void aOneToOneFileReachesItsRecipientOnlyAndAnUploadResumesAfterARestart() throws Exception {
        Path data = dir.resolve("restart");
        Path original = dir.resolve("small.bin");
        byte[] content = new byte[3 * 65536 + 100];
        TestServer.RANDOM.nextBytes(content);
        Files.write(original, content);
        OutgoingFile file;
        Device eve;
        Device fay;
        try (TestServer server = TestServer.start(data, "")) {
            eve = register(server, "eve", WireEncoding.BINARY);
            fay = register(server, "fay", WireEncoding.JSON);
            file = eve.client().prepareFile(UUID.randomUUID(), original, "notes.txt", "text/plain");
            NorcClient first = eve.client();
            CompletableFuture<Integer> cut = first.uploadFile(file, (done, total) -> {
                if (done >= 2 * 65536) {
                    first.close();
                }
            });
            assertThat(failure(cut)).isInstanceOf(NorcException.class);
        }
        try (TestServer server = TestServer.start(data, "")) {
            NorcClient again = reconnect(server, eve, WireEncoding.BINARY, ClientListener.NONE);
            BlockingQueue<ReceivedFile> faysFiles = new LinkedBlockingQueue<>();
            NorcClient fayAgain = reconnect(server, fay, WireEncoding.JSON, new ClientListener() {
                @Override
                public void onFile(ReceivedFile received) {
                    faysFiles.add(received);
                }
            });
            assertThat(again.uploadFile(file, norc.client.FileProgress.NONE).get(60, TimeUnit.SECONDS)).isPositive();
            again.shareFile(file, List.of(fay.user())).get(30, TimeUnit.SECONDS);
            ReceivedFile received = faysFiles.poll(30, TimeUnit.SECONDS);
            assertThat(received).isNotNull();
            Path copy = dir.resolve("fay-copy.bin");
            fayAgain.downloadFile(received, copy, norc.client.FileProgress.NONE).get(60, TimeUnit.SECONDS);
            assertThat(Files.mismatch(original, copy)).isEqualTo(-1L);
            // someone outside the audience: 2001
            RawClient outsider = RawClient.registered(server, "gus@" + server.serverId());
            outsider.send(new FileChunkRequest(file.fileId(), 0));
            assertThat(((ErrorMessage) outsider.receive()).errorCode()).isEqualTo(ErrorCode.FORBIDDEN.code());
            outsider.close();
            again.close();
            fayAgain.close();
        }
    }

    /** B.3's quotas ({@code 6002}), made small: unsealed uploads per device, then padded bytes per user. */
    @Test
    void uploadsPastTheQuotasAreRefused() throws Exception {
        try (TestServer server = TestServer.start(dir.resolve("quota"), "norc.files.quota-bytes = 1MiB\n"
                + "norc.files.unsealed-per-device = 2\n")) {
            Device jay = register(server, "jay", WireEncoding.BINARY);
            Path small = dir.resolve("small-quota.bin");
            Files.write(small, new byte[100]);
            for (int i = 0; i < 2; i++) {
                OutgoingFile file = jay.client().prepareFile(UUID.randomUUID(), small, "s" + i, "text/plain");
                jay.client().uploadFile(file, norc.client.FileProgress.NONE).get(20, TimeUnit.SECONDS); // unsealed
            }
            OutgoingFile third = jay.client().prepareFile(UUID.randomUUID(), small, "s2", "text/plain");
            assertThat(ServerError.of(failure(jay.client().uploadFile(third, norc.client.FileProgress.NONE))).orElseThrow().code())
                    .as("a third unsealed upload of the device").isEqualTo(6002);

            Device kay = register(server, "kay", WireEncoding.BINARY);
            Path big = dir.resolve("big-quota.bin");
            Files.write(big, new byte[1024 * 1024 + 1]); // 17 chunks: past 1 MiB padded
            OutgoingFile large = kay.client().prepareFile(UUID.randomUUID(), big, "big", "application/octet-stream");
            assertThat(ServerError.of(failure(kay.client().uploadFile(large, norc.client.FileProgress.NONE))).orElseThrow().code())
                    .as("more padded bytes than the user's quota").isEqualTo(6002);
            OutgoingFile fits = kay.client().prepareFile(UUID.randomUUID(), small, "fits", "text/plain");
            assertThat(kay.client().uploadFile(fits, norc.client.FileProgress.NONE).get(20, TimeUnit.SECONDS)).isZero();
            jay.client().close();
            kay.client().close();
        }
    }

    /** {@code norc file send --group} and {@code norc file get}, with their progress bars. */
    @Test
    void theCliSendsAndGetsAFile() throws Exception {
        try (TestServer server = TestServer.start(dir.resolve("cli"), "")) {
            Device hal = register(server, "hal", WireEncoding.BINARY);
            Device ida = register(server, "ida", WireEncoding.JSON);
            UUID group = hal.client().createGroup(Map.of(ida.user(), InvitedRole.MEMBER), "cli files").get(20, TimeUnit.SECONDS)
                    .conversationId();
            hal.client().close();
            ida.client().close();
            Path halFile = dir.resolve("hal.json");
            Path idaFile = dir.resolve("ida.json");
            hal.identity().save(halFile);
            ida.identity().save(idaFile);
            Path original = dir.resolve("report.bin");
            byte[] content = new byte[5 * 65536 + 7];
            TestServer.RANDOM.nextBytes(content);
            Files.write(original, content);
            String[] server1 = {"--server", server.clientUri().toString(), "--trust-cert", server.server.certificatePem().toString()};

            CliRun.Output sent = CliRun.run(CliRun.concat(new String[] {"file", "send", "--identity", halFile.toString(), "--group",
                    group.toString(), original.toString()}, server1));
            assertThat(sent.out()).contains("sent file ", "in group " + group);
            assertThat(sent.err()).contains("100%");
            Path out = dir.resolve("ida-files");
            CliRun.Output got = CliRun.run(CliRun.concat(new String[] {"file", "get", "--identity", idaFile.toString(), "--out",
                    out.toString()}, server1));
            assertThat(got.out()).contains("received ", "report.bin", hal.user());
            assertThat(Files.mismatch(original, out.resolve("report.bin"))).isEqualTo(-1L);
        }
    }

    /** The last file each device was told of, by device id. */
    private static final Map<UUID, ReceivedFile> LAST = new java.util.concurrent.ConcurrentHashMap<>();

    private static Device register(TestServer server, String name, WireEncoding encoding) throws Exception {
        String user = name + "@" + server.serverId();
        DeviceIdentity identity = DeviceIdentity.create(user, "files-" + name, TestServer.RANDOM);
        BlockingQueue<ReceivedFile> files = new LinkedBlockingQueue<>();
        NorcClient client = server.connect(encoding, listener(identity, files));
        client.register(identity, server.createUserWithToken(user)).get(20, TimeUnit.SECONDS);
        return new Device(user, identity, client, files);
    }

    private static ClientListener listener(DeviceIdentity identity, BlockingQueue<ReceivedFile> files) {
        return new ClientListener() {
            @Override
            public void onFile(ReceivedFile file) {
                LAST.put(identity.deviceId(), file);
                files.add(file);
            }
        };
    }

    private static NorcClient reconnect(TestServer server, Device device, WireEncoding encoding, ClientListener listener) throws Exception {
        NorcClient client = server.connect(encoding, listener);
        client.authenticate(device.identity()).get(20, TimeUnit.SECONDS);
        return client;
    }

    private static Throwable failure(CompletableFuture<?> future) throws InterruptedException {
        try {
            future.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("did not end");
        }
        throw new AssertionError("did not fail");
    }

    /** No window of the plaintext (sampled at several places) and not the name, in any file under {@code data}. */
    private static void assertStorageHoldsNo(Path data, byte[] content, String name) throws Exception {
        List<byte[]> needles = new ArrayList<>();
        needles.add(name.getBytes(StandardCharsets.UTF_8));
        needles.add(name.getBytes(StandardCharsets.UTF_16LE));
        for (int offset : new int[] {0, 65536, content.length / 2, content.length - 64}) {
            needles.add(java.util.Arrays.copyOfRange(content, offset, offset + 48));
        }
        try (Stream<Path> files = Files.walk(data)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                byte[] stored = Files.readAllBytes(f);
                for (byte[] needle : needles) {
                    assertThat(indexOf(stored, needle)).as(f + " holds plaintext or the name").isEqualTo(-1);
                }
            }
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
