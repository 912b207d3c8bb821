package norc.client.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import norc.client.ClientListener;
import norc.client.ConversationIds;
import norc.client.NorcClient;
import norc.client.SentMessage;
import norc.client.TextContent;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code norc send}: one end-to-end encrypted text message, then exit. */
@Command(name = "send", description = "Send one end-to-end encrypted text message.")
final class SendCommand extends DeviceCall {

    @Option(names = "--to", paramLabel = "USER",
            description = "A recipient user id (repeat for several).")
    List<String> to = List.of();

    @Option(names = "--group", paramLabel = "UUID",
            description = "A group (norc group create) instead of --to: every member's devices receive it.")
    UUID group;

    @Option(names = "--conversation", paramLabel = "UUID",
            description = "The conversation; default: the one derived from you and the recipients.")
    UUID conversation;

    @Parameters(index = "0", paramLabel = "TEXT", description = "The message text.")
    String text;

    @Override
    public Integer call() throws Exception {
        if ((group == null) == to.isEmpty()) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "name recipients with --to, or a --group");
        }
        IdentityFile file = identityFile();
        UUID conversationId = group != null ? group
                : conversation != null ? conversation : defaultConversation(file.identity().userId(), to);
        try (NorcClient client = authenticated(file, ClientListener.NONE)) {
            byte[] content = new TextContent(text, Clocks.nowMicros()).encode();
            SentMessage sent = Connector.await(group != null ? client.sendToGroup(group, content) : client.send(conversationId, to, content),
                    server.timeout());
            Terminal.print(out(), "sent " + sent.messageId() + " in " + (group != null ? "group " : "conversation ") + conversationId);
        }
        return 0;
    }

    static UUID defaultConversation(String me, List<String> others) {
        List<String> participants = new ArrayList<>(others);
        participants.add(me);
        return ConversationIds.forParticipants(participants);
    }
}
