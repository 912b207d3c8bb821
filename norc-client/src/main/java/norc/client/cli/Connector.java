package norc.client.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import norc.client.ClientListener;
import norc.client.NorcClient;
import norc.client.WebSocketTransport;
import norc.crypto.Bytes;
import norc.error.ErrorCode;
import norc.error.NorcException;

/**
 * Connects a CLI command to its server: WebSocket transport with the chosen trust, NORC-C
 * handshake with the server key pinned in the identity file (trust on first use: the first
 * connection pins the key it saw and says so), then registration or authentication.
 */
final class Connector {
    private Connector() {}

    /** Connects and pins the server key on first use; the client is not yet authenticated. */
    static NorcClient connect(ServerOptions server, IdentityFile identity, ClientListener listener, PrintWriter err)
            throws Exception {
        String pinKey = server.pinKey();
        byte[] pinned = identity.identity().knownServerKey(pinKey);
        Duration timeout = server.timeout();
        WebSocketTransport transport = await(WebSocketTransport.connect(server.server, server.encoding(),
                server.transportOptions()), timeout);
        NorcClient.Options options = NorcClient.Options.defaults()
                .withPinnedServerKey(pinned)
                .withListener(listener)
                .withRequestTimeout(timeout)
                .withChainStore(new FileChainStore(identity.chainFile()));
        NorcClient client;
        try {
            client = await(NorcClient.connect(transport, server.encoding(), options), timeout);
        } catch (NorcException e) {
            if (pinned != null && e.code() == ErrorCode.AUTHENTICATION_FAILED) {
                throw new NorcCli.CliException("the server's identity key differs from the one pinned in "
                        + identity.path() + " for " + pinKey + "; if it was rotated on purpose, remove that "
                        + "known_servers entry");
            }
            throw e;
        }
        if (pinned == null) {
            identity.pin(pinKey, client.serverPublicKey());
            err.println("norc: first connection to " + pinKey + " (" + client.serverId() + "); pinned its identity key "
                    + Bytes.hex(client.serverPublicKey()));
            err.flush();
        }
        return client;
    }

    /** Connects and authenticates as the identity's device. */
    static NorcClient authenticated(ServerOptions server, IdentityFile identity, ClientListener listener,
                                    PrintWriter err) throws Exception {
        NorcClient client = connect(server, identity, listener, err);
        try {
            await(client.authenticate(identity.identity()), server.timeout());
            return client;
        } catch (Exception e) {
            client.close();
            throw e;
        }
    }

    /** Waits for a future (the CLI's main thread may block), unwrapping its failure. */
    static <T> T await(CompletableFuture<T> future, Duration timeout) throws Exception {
        try {
            return future.get(timeout.toMillis() + 1_000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception exception) {
                throw exception;
            }
            throw e;
        } catch (TimeoutException e) {
            future.cancel(false);
            throw e;
        }
    }
}
