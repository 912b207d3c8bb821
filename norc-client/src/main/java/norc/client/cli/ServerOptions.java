package norc.client.cli;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import norc.client.TransportSecurity;
import norc.client.WebSocketTransport;
import norc.wire.WireEncoding;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/** How to reach the server: address, TLS trust, subprotocol, timeout (profile §2). */
final class ServerOptions {
    static final String DEFAULT_SERVER = "wss://localhost:8443/norc-c";

    @Option(names = "--server", defaultValue = DEFAULT_SERVER,
            description = "The server's NORC-C WebSocket address. Default: ${DEFAULT-VALUE}.")
    URI server;

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Trust trust = new Trust();

    @Option(names = "--json", description = "Use the JSON subprotocol (norc-c-json-v1) instead of binary (norc-c-v1).")
    boolean json;

    @Option(names = "--timeout", defaultValue = "30", paramLabel = "SECONDS",
            description = "How long to wait for the server. Default: ${DEFAULT-VALUE} s.")
    int timeoutSeconds;

    /** Either one certificate to trust, or (loopback only) any; neither = the system trust store. */
    static final class Trust {
        @Option(names = "--trust-cert", paramLabel = "FILE",
                description = "Trust this server certificate (PEM, DER, or PKCS#12 .p12/.pfx) instead of the system store.")
        Path certificate;

        @Option(names = "--insecure-loopback",
                description = "Loopback servers only: accept any certificate (and plain ws://). For local testing.")
        boolean insecureLoopback;
    }

    WireEncoding encoding() {
        return json ? WireEncoding.JSON : WireEncoding.BINARY;
    }

    Duration timeout() {
        if (timeoutSeconds <= 0) {
            throw new IllegalArgumentException("--timeout must be positive");
        }
        return Duration.ofSeconds(timeoutSeconds);
    }

    /** The transport options these flags describe; refuses insecure modes for non-loopback hosts. */
    WebSocketTransport.Options transportOptions() throws IOException {
        Trust chosen = trust == null ? new Trust() : trust;
        SSLContext context;
        if (chosen.insecureLoopback) {
            context = TransportSecurity.insecureLoopbackOnly(server);
        } else if (chosen.certificate != null) {
            context = TransportSecurity.trustCertificate(chosen.certificate, null);
        } else {
            context = TransportSecurity.systemTrust();
        }
        return WebSocketTransport.Options.defaults()
                .withSslContext(context)
                .withConnectTimeout(timeout())
                .withPlaintextLoopback(chosen.insecureLoopback);
    }

    /** The key under which the server's identity key is pinned in the identity file. */
    String pinKey() {
        return server.normalize().toString();
    }
}
