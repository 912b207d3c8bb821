package norc.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import norc.client.DeviceIdentity;
import norc.client.NorcClient;
import norc.wire.WireEncoding;
import norc.wire.message.Atoms.AckStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A federation run leaves no user id in clear (spec §6.3, §6.18): two servers exchange messages
 * both ways on both encodings, one relay waits in the outbox while its peer is down, a login with
 * a wrong device fails; then every byte of both data directories (the H2 journals with their event,
 * snapshot and outbox rows, keys, certificates) and every log line both servers wrote are searched
 * for the users' ids. Their local parts are random, so a hit can only be a leak; the servers' own
 * names, which the trust journal does hold, are found, so the search does see the journal.
 */
class FederationPrivacyIT {
    @TempDir
    Path dir;

    @Test
    void noJournalOrLogOfAFederationRunNamesAUser() throws Exception {
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        logs.start();
        root.addAppender(logs);
        Path dirA = dir.resolve("a");
        Path dirB = dir.resolve("b");
        byte[] keyA = FederationIT.identity(dirA);
        byte[] keyB = FederationIT.identity(dirB);
        int portA = FederationIT.freePort();
        int portB = FederationIT.freePort();
        String configA = FederationIT.config("a.localhost", portA, "b.localhost", portB, keyB);
        String configB = FederationIT.config("b.localhost", portB, "a.localhost", portA, keyA);
        String suffix = HexFormat.of().formatHex(TestServer.RANDOM.generateSeed(6));
        List<String> localParts = List.of("alice" + suffix, "bob" + suffix, "carol" + suffix);
        String alice = localParts.get(0) + "@a.localhost";
        String bob = localParts.get(1) + "@b.localhost";
        String carol = localParts.get(2) + "@b.localhost";
        try {
            TestServer a = TestServer.start(dirA, configA);
            TestServer b = TestServer.start(dirB, configB);
            try {
                RecordingListener aliceHears = new RecordingListener();
                RecordingListener bobHears = new RecordingListener();
                RecordingListener carolHears = new RecordingListener();
                DeviceIdentity[] bobDevice = new DeviceIdentity[1];
                NorcClient aliceClient = a.registerNew(localParts.get(0), WireEncoding.BINARY, aliceHears, null);
                NorcClient bobClient = b.registerNew(localParts.get(1), WireEncoding.JSON, bobHears, bobDevice);
                NorcClient carolClient = b.registerNew(localParts.get(2), WireEncoding.BINARY, carolHears, null);
                UUID conversation = UUID.randomUUID();
                var first = aliceClient.send(conversation, List.of(bob, carol), bytes("to both")).get(30, TimeUnit.SECONDS);
                assertThat(bobHears.messages.poll(30, TimeUnit.SECONDS)).isNotNull();
                assertThat(carolHears.messages.poll(30, TimeUnit.SECONDS)).isNotNull();
                FederationIT.awaitReceipt(aliceHears, first.messageId(), AckStatus.DELIVERED);
                var reply = bobClient.send(conversation, List.of(alice), bytes("back")).get(30, TimeUnit.SECONDS);
                assertThat(aliceHears.messages.poll(30, TimeUnit.SECONDS)).isNotNull();
                FederationIT.awaitReceipt(bobHears, reply.messageId(), AckStatus.DELIVERED);

                // a relay waits in a's outbox while b is down, and arrives once b is back
                bobClient.close();
                carolClient.close();
                b.close();
                aliceClient.send(conversation, List.of(bob), bytes("queued")).get(30, TimeUnit.SECONDS);
                b = TestServer.start(dirB, configB);
                bobHears = new RecordingListener();
                bobClient = b.connect(WireEncoding.JSON, bobHears);
                bobClient.authenticate(bobDevice[0]).get(20, TimeUnit.SECONDS);
                assertThat(bobHears.messages.poll(60, TimeUnit.SECONDS)).isNotNull();

                // a refused login for bob's id from a device that is not his
                NorcClient stranger = b.connect(WireEncoding.BINARY, new RecordingListener());
                DeviceIdentity forged = DeviceIdentity.create(bob, "not-his", TestServer.RANDOM);
                try {
                    stranger.authenticate(forged).get(20, TimeUnit.SECONDS);
                } catch (ExecutionException expected) {
                    // refused, as it should be
                }
                stranger.close();
                aliceClient.close();
                bobClient.close();
            } finally {
                a.close();
                b.close();
            }
        } finally {
            root.detachAppender(logs);
            logs.stop();
        }

        for (String localPart : localParts) {
            assertThat(filesNaming(dir, localPart)).as("data files naming user " + localPart).isEmpty();
            assertThat(linesNaming(logs.list, localPart)).as("log lines naming user " + localPart).isEmpty();
        }
        assertThat(filesNaming(dirA, "b.localhost")).as("the search sees a's trust journal").isNotEmpty();
        assertThat(logs.list).as("the logs were captured").isNotEmpty();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static List<Path> filesNaming(Path root, String needle) throws Exception {
        byte[] wanted = needle.getBytes(StandardCharsets.UTF_8);
        List<Path> hits = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                if (DeliveryIT.indexOf(Files.readAllBytes(file), wanted) >= 0) {
                    hits.add(root.relativize(file));
                }
            }
        }
        return hits;
    }

    private static List<String> linesNaming(List<ILoggingEvent> events, String needle) {
        List<String> hits = new ArrayList<>();
        for (ILoggingEvent event : List.copyOf(events)) {
            StringBuilder line = new StringBuilder().append(event.getLoggerName()).append(' ').append(event.getThreadName())
                    .append(' ').append(event.getFormattedMessage()).append(' ').append(event.getMDCPropertyMap());
            if (event.getThrowableProxy() != null) {
                line.append(' ').append(ThrowableProxyUtil.asString(event.getThrowableProxy()));
            }
            if (line.indexOf(needle) >= 0) {
                hits.add(line.toString());
            }
        }
        return hits;
    }
}
