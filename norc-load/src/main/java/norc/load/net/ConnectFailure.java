package norc.load.net;

import java.io.IOException;

/**
 * A connection attempt that failed before NORC started, with the stage it failed in, so that a
 * report can count refused TCP connects apart from TLS and WebSocket upgrade failures.
 */
public final class ConnectFailure extends IOException {
    private static final long serialVersionUID = 1L;

    /** Where the attempt was when it failed. */
    public enum Stage {
        /** binding the source address (e.g. no free ephemeral port on it) */
        BIND("bind_failed"),
        /** TCP connect (refused, unreachable, timed out) */
        TCP("tcp_connect_failed"),
        /** TLS 1.3 handshake (trust, protocol, timeout) */
        TLS("tls_handshake_failed"),
        /** HTTP upgrade to WebSocket (status, subprotocol, timeout) */
        UPGRADE("websocket_upgrade_failed");

        private final String label;

        Stage(String label) {
            this.label = label;
        }

        /** The counter name in reports. */
        public String label() {
            return label;
        }
    }

    private final Stage stage;

    public ConnectFailure(Stage stage, String message, Throwable cause) {
        super(message, cause);
        this.stage = stage;
    }

    public Stage stage() {
        return stage;
    }
}
