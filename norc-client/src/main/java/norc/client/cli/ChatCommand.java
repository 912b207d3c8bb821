package norc.client.cli;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.UUID;
import java.util.concurrent.Callable;
import norc.client.ClientListener;
import norc.client.NorcClient;
import norc.client.ReceivedMessage;
import norc.client.TextContent;
import norc.error.ErrorCode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code norc chat}: an interactive conversation. Each line typed is sent; messages received are
 * printed as they arrive. {@code /quit} or end of input leaves.
 */
@Command(name = "chat", description = "Chat interactively: lines you type are sent, received messages are printed.")
final class ChatCommand implements Callable<Integer> {
    @Option(names = "--identity", required = true, description = "The device identity file.")
    Path identity;

    @Option(names = "--with", required = true, paramLabel = "USER", description = "Who to chat with (repeat for a group).")
    List<String> with;

    @Option(names = "--conversation", paramLabel = "UUID",
            description = "The conversation; default: the one derived from you and the others.")
    UUID conversation;

    @Mixin
    ServerOptions server;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        IdentityFile file = IdentityFile.load(identity, err);
        UUID conversationId = conversation != null ? conversation
                : SendCommand.defaultConversation(file.identity().userId(), with);
        ClientListener listener = new ClientListener() {
            @Override
            public void onMessage(ReceivedMessage message) {
                String line = Terminal.format(message);
                Terminal.print(out, message.conversationId().equals(conversationId) ? line : "(elsewhere) " + line);
            }

            @Override
            public void onRejected(UUID messageId, ErrorCode reason) {
                Terminal.print(err, "norc: dropped message " + messageId + ": " + reason.atom());
            }

            @Override
            public void onClosed(Throwable cause) {
                if (cause != null) {
                    Terminal.print(err, "norc: connection closed: " + NorcCli.describe(cause));
                }
            }
        };
        try (NorcClient client = Connector.authenticated(server, file, listener, err)) {
            Terminal.print(err, "norc: chatting as " + file.identity().userId() + "; /quit to leave");
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            List<CompletableFuture<?>> outstanding = new ArrayList<>();
            String line;
            while ((line = in.readLine()) != null && !line.equals("/quit")) {
                if (client.state() == NorcClient.State.CLOSED) {
                    throw new NorcCli.CliException("the connection is closed");
                }
                if (line.isBlank()) {
                    continue;
                }
                byte[] content = new TextContent(line, Clocks.nowMicros()).encode();
                outstanding.removeIf(CompletableFuture::isDone);
                outstanding.add(client.send(conversationId, with, content).handle((sent, error) -> {
                    if (error != null) {
                        Terminal.print(err, "norc: not sent: " + NorcCli.describe(error));
                    }
                    return null;
                }));
            }
            // leaving: let what was typed go out (each send ends by its own timeout at the latest)
            CompletableFuture.allOf(outstanding.toArray(CompletableFuture[]::new)).join();
        }
        return 0;
    }
}
