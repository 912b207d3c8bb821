package norc.client.cli;

import java.io.PrintWriter;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import norc.client.ClientListener;
import norc.client.NorcClient;
import norc.client.ReceivedMessage;
import norc.error.ErrorCode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code norc listen}: prints messages for this device as they arrive. */
@Command(name = "listen", description = "Print messages for this device as they arrive (Ctrl-C to stop).")
final class ListenCommand extends DeviceCall {

    @Option(names = "--count", paramLabel = "N", description = "Exit after N messages.")
    Integer count;

    @Override
    public Integer call() throws Exception {
        if (count != null && count <= 0) {
            throw new IllegalArgumentException("--count must be positive");
        }
        PrintWriter out = out();
        PrintWriter err = err();
        IdentityFile file = identityFile();
        CompletableFuture<Void> enough = new CompletableFuture<>();
        AtomicInteger received = new AtomicInteger();
        ClientListener listener = new ClientListener() {
            @Override
            public void onMessage(ReceivedMessage message) {
                Terminal.print(out, Terminal.format(message));
                if (count != null && received.incrementAndGet() >= count) {
                    enough.complete(null);
                }
            }

            @Override
            public void onRejected(java.util.UUID messageId, ErrorCode reason) {
                Terminal.print(err, "norc: dropped message " + messageId + ": " + reason.atom());
            }
        };
        NorcClient client = authenticated(file, listener);
        Runtime.getRuntime().addShutdownHook(new Thread(client::close, "norc-listen-shutdown"));
        Terminal.print(err, "norc: listening as " + file.identity().userId() + " (Ctrl-C to stop)");
        CompletableFuture.anyOf(enough, client.closeFuture()).join();
        boolean closedByServer = client.closeFuture().isDone() && !enough.isDone();
        client.close();
        if (closedByServer) {
            throw new NorcCli.CliException("the server closed the connection");
        }
        return 0;
    }
}
