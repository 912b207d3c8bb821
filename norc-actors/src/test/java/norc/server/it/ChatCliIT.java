package norc.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import norc.client.DeviceIdentity;
import norc.client.NorcClient;
import norc.client.ReceivedMessage;
import norc.client.TextContent;
import norc.wire.WireEncoding;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code norc chat} as a user runs it, against a real server: lines typed reach the other user;
 * when the operator cuts the session ({@code POST /admin/devices/{id}/disconnect}) the chat
 * reconnects by itself and what is typed next arrives too; {@code /quit} leaves with status 0.
 */
class ChatCliIT {
    @TempDir
    static Path dir;

    @Test
    void theChatSurvivesItsConnectionBeingCut() throws Exception {
        java.io.InputStream stdin = System.in;
        try (TestServer server = TestServer.start(dir)) {
            DeviceIdentity[] alice = new DeviceIdentity[1];
            server.registerNew("chat-alice", WireEncoding.BINARY, new RecordingListener(), alice).close();
            RecordingListener bobHears = new RecordingListener();
            NorcClient bob = server.registerNew("chat-bob", WireEncoding.JSON, bobHears, null);
            Path file = dir.resolve("alice.json");
            alice[0].save(file);

            PipedOutputStream typing = new PipedOutputStream();
            System.setIn(new PipedInputStream(typing));
            PrintWriter keyboard = new PrintWriter(typing, true, StandardCharsets.UTF_8);
            StringWriter out = new StringWriter();
            picocli.CommandLine cli = norc.client.cli.NorcCli.commandLine();
            cli.setOut(new PrintWriter(out, true));
            cli.setErr(new PrintWriter(out, true));
            CompletableFuture<Integer> status = CompletableFuture.supplyAsync(() -> cli.execute("chat", "--identity", file.toString(),
                    "--with", "chat-bob@" + server.serverId(), "--server", server.clientUri().toString(),
                    "--trust-cert", server.server.certificatePem().toString(), "--timeout", "20"));

            keyboard.println("hello bob");
            assertThat(text(bobHears.messages.poll(30, TimeUnit.SECONDS))).isEqualTo("hello bob");

            assertThat(server.post("/admin/devices/" + alice[0].deviceId() + "/disconnect", "").statusCode()).isEqualTo(200);
            keyboard.println("still here");
            assertThat(text(bobHears.messages.poll(30, TimeUnit.SECONDS))).as(out.toString()).isEqualTo("still here");
            keyboard.println("/quit");
            assertThat(status.get(30, TimeUnit.SECONDS)).as(out.toString()).isZero();
            assertThat(out.toString()).contains("chatting as chat-alice@", "connection lost");
            assertThat(bobHears.messages.poll(1, TimeUnit.SECONDS)).as("nothing twice").isNull();
            bob.close();
        } finally {
            System.setIn(stdin);
        }
    }

    private static String text(ReceivedMessage message) {
        assertThat(message).isNotNull();
        Optional<TextContent> text = TextContent.decode(message.content());
        assertThat(text).isPresent();
        return text.get().text();
    }
}
