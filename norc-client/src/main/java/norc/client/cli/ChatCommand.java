package norc.client.cli;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import norc.client.ClientListener;
import norc.client.NorcClient;
import norc.client.ReceivedMessage;
import norc.client.ReconnectListener;
import norc.client.ReconnectingClient;
import norc.client.TextContent;
import norc.error.ErrorCode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code norc chat}: an interactive conversation. Each line typed is sent; messages received are
 * printed as they arrive. {@code /quit} or end of input leaves. The session outlives its
 * connections ({@link ReconnectingClient}): when the server goes away, or closes the connection to
 * change keys, it reconnects with backoff and sends again what was not accepted, and a message
 * redelivered after a reconnect is shown once.
 */
@Command(name = "chat", description = "Chat interactively: lines you type are sent, received messages are printed.")
final class ChatCommand extends DeviceCall {

    @Option(names = "--with", paramLabel = "USER", description = "Who to chat with (repeat for several).")
    List<String> with = List.of();

    @Option(names = "--group", paramLabel = "UUID", description = "A group to chat in, instead of --with.")
    UUID group;

    @Option(names = "--conversation", paramLabel = "UUID",
            description = "The conversation; default: the one derived from you and the others.")
    UUID conversation;

    /** What the chat prints: messages on standard output, the session's events on standard error. */
    private static final class Printer implements ClientListener, ReconnectListener {
        private final PrintWriter out;
        private final PrintWriter err;
        private final UUID conversationId;

        Printer(PrintWriter out, PrintWriter err, UUID conversationId) {
            this.out = out;
            this.err = err;
            this.conversationId = conversationId;
        }

        @Override
        public void onMessage(ReceivedMessage message) {
            String line = Terminal.format(message);
            Terminal.print(out, message.conversationId().equals(conversationId) ? line : "(elsewhere) " + line);
        }

        @Override
        public void onGroupChanged(norc.client.GroupChange change) {
            if (change.conversationId().equals(conversationId)) {
                Terminal.print(out, "* " + Terminal.inert(change.actor()) + " " + change.change().wireName()
                        + (change.subjects().isEmpty() ? "" : " " + Terminal.inert(String.join(", ", change.subjects()))));
            }
        }

        @Override
        public void onRejected(UUID messageId, ErrorCode reason) {
            Terminal.print(err, "norc: dropped message " + messageId + ": " + reason.atom());
        }

        @Override
        public void onKeyExpiring(UUID deviceId, long expiresAt) {
            Terminal.print(err, "norc: this device's key expires at " + java.time.Instant.ofEpochSecond(expiresAt)
                    + "; run: norc devices rotate");
        }

        @Override
        public void onDisconnected(Throwable cause) {
            if (!NorcClient.closedForRekey(cause)) {
                Terminal.print(err, "norc: connection lost" + (cause == null ? "" : ": " + NorcCli.describe(cause))
                        + "; reconnecting");
            }
        }

        @Override
        public void onReconnected(URI endpoint, Duration outage) {
            if (outage.toMillis() >= 1000) {
                Terminal.print(err, "norc: reconnected after " + outage.toSeconds() + " s");
            }
        }
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = out();
        PrintWriter err = err();
        if ((group == null) == with.isEmpty()) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "name whom to chat --with, or a --group");
        }
        IdentityFile file = identityFile();
        UUID conversationId = group != null ? group : conversation != null ? conversation
                : SendCommand.defaultConversation(file.identity().userId(), with);
        // one plain connection first: it pins the server key on first use and surfaces a refusal
        // (wrong key, revoked device) as an error instead of a session that retries for ever
        authenticated(file, ClientListener.NONE).close();
        NorcClient.Options options = NorcClient.Options.defaults()
                .withPinnedServerKey(file.identity().knownServerKey(server.pinKey()))
                .withListener(new Printer(out, err, conversationId))
                .withRequestTimeout(server.timeout())
                .withChainStore(new FileChainStore(file.chainFile()));
        try (ReconnectingClient session = ReconnectingClient.connect(List.of(server.server), server.encoding(),
                server.transportOptions(), file.identity(), options)) {
            Connector.await(session.connected(), server.timeout());
            Terminal.print(err, "norc: chatting as " + file.identity().userId() + "; /quit to leave");
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            List<CompletableFuture<?>> outstanding = new ArrayList<>();
            String line;
            while ((line = in.readLine()) != null && !line.equals("/quit")) {
                if (line.isBlank()) {
                    continue;
                }
                byte[] content = new TextContent(line, Clocks.nowMicros()).encode();
                outstanding.removeIf(CompletableFuture::isDone);
                outstanding.add((group != null ? session.sendToGroup(group, content) : session.send(conversationId, with, content))
                        .handle((sent, error) -> {
                    if (error != null) {
                        Terminal.print(err, "norc: not sent: " + NorcCli.describe(error));
                    }
                    return null;
                }));
            }
            // leaving: let what was typed go out, for at most the timeout
            try {
                CompletableFuture.allOf(outstanding.toArray(CompletableFuture[]::new))
                        .get(server.timeout().toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                Terminal.print(err, "norc: leaving with messages not yet accepted");
            }
        }
        return 0;
    }
}
