package norc.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import norc.client.NorcClient;
import norc.client.ReceivedMessage;
import norc.crypto.Bytes;
import norc.e2e.ConversationChain;
import norc.e2e.Envelope;
import norc.wire.WireEncoding;
import norc.wire.message.Atoms.AckStatus;
import norc.wire.message.Atoms.Classification;
import norc.wire.message.KeyRequest;
import norc.wire.message.KeyResponse;
import norc.wire.message.MessageAck;
import norc.wire.message.MessageSend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One message to users on two other servers: each relay carries only its own server's devices.
 * Which device is whose the origin learns from the {@code key_response}s it proxies; a client may
 * send with keys it fetched earlier, through another node or before a restart, so here the keys
 * are fetched, then {@code a} restarts (forgetting what it learned) and another device of the
 * sender writes with those keys: {@code a} asks both servers again and both recipients get it.
 */
class ThreeServerIT {
    @TempDir
    Path dir;

    @Test
    void aMessageToUsersOnTwoRemoteServersReachesBothEvenWhenTheOriginForgotWhoseDevicesTheyAre() throws Exception {
        Path dirA = dir.resolve("a");
        byte[] keyA = FederationIT.identity(dirA);
        byte[] keyB = FederationIT.identity(dir.resolve("b"));
        byte[] keyC = FederationIT.identity(dir.resolve("c"));
        int portA = FederationIT.freePort();
        int portB = FederationIT.freePort();
        int portC = FederationIT.freePort();
        String configA = FederationIT.config("a.localhost", portA, "b.localhost", portB, keyB).replace(
                "/basic\"", "/basic,c.localhost@127.0.0.1:" + portC + "/" + Bytes.hex(keyC) + "/basic\"");
        TestServer a = TestServer.start(dirA, configA);
        TestServer b = TestServer.start(dir.resolve("b"), FederationIT.config("b.localhost", portB, "a.localhost", portA, keyA));
        TestServer c = TestServer.start(dir.resolve("c"), FederationIT.config("c.localhost", portC, "a.localhost", portA, keyA));
        try {
            RecordingListener bobHears = new RecordingListener();
            RecordingListener carolHears = new RecordingListener();
            NorcClient bob = b.registerNew("bob", WireEncoding.BINARY, bobHears, null);
            NorcClient carol = c.registerNew("carol", WireEncoding.JSON, carolHears, null);
            String aliceId = "alice@a.localhost";
            List<String> recipients = List.of("bob@b.localhost", "carol@c.localhost");

            KeyResponse keys;
            try (RawClient laptop = RawClient.handshaken(a, WireEncoding.BINARY)) {
                laptop.send(laptop.register(aliceId, a.createUserWithToken(aliceId)));
                laptop.receive();
                laptop.send(new KeyRequest(recipients, java.util.Optional.empty()));
                keys = (KeyResponse) laptop.receive();
            }
            assertThat(keys.keys().get("bob@b.localhost")).hasSize(1);
            assertThat(keys.keys().get("carol@c.localhost")).hasSize(1);

            a.close(); // a forgets which remote device is whose
            a = TestServer.start(dirA, configA);
            try (RawClient phone = RawClient.handshaken(a, WireEncoding.BINARY)) {
                phone.send(phone.register(aliceId, a.token(aliceId)));
                phone.receive();
                List<Envelope.RecipientDevice> devices = new ArrayList<>();
                keys.keys().values().forEach(forUser -> forUser.forEach((device, key) ->
                        devices.add(new Envelope.RecipientDevice(device, key.kexPublicKey()))));
                MessageSend message = Envelope.seal(new Envelope.Sender(aliceId, phone.deviceId, phone.signing.secretKey()),
                        UUID.randomUUID(), UUID.randomUUID(), recipients,
                        new MessageSend.Metadata(RawClient.nowMicros(), "text", Classification.UNCLASSIFIED),
                        new ConversationChain().next(UUID.randomUUID()), "to both".getBytes(StandardCharsets.UTF_8), devices,
                        TestServer.RANDOM);
                phone.send(message);
                assertThat(((MessageAck) phone.receive()).status()).isEqualTo(AckStatus.ACCEPTED);
            }
            ReceivedMessage atBob = bobHears.messages.poll(30, TimeUnit.SECONDS);
            ReceivedMessage atCarol = carolHears.messages.poll(30, TimeUnit.SECONDS);
            assertThat(atBob).as("bob's copy, relayed to b").isNotNull();
            assertThat(atCarol).as("carol's copy, relayed to c").isNotNull();
            assertThat(new String(atBob.content(), StandardCharsets.UTF_8)).isEqualTo("to both");
            assertThat(new String(atCarol.content(), StandardCharsets.UTF_8)).isEqualTo("to both");
            bob.close();
            carol.close();
        } finally {
            c.close();
            b.close();
            a.close();
        }
    }
}
