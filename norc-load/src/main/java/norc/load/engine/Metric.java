package norc.load.engine;

/** The latencies a run measures, each an HdrHistogram in microseconds. */
public enum Metric {
    /** TCP connect, from the connect call to the socket being up. */
    TCP_CONNECT("tcp_connect"),
    /** TLS 1.3 handshake, after TCP. */
    TLS_HANDSHAKE("tls_handshake"),
    /** HTTP upgrade to the NORC WebSocket subprotocol, after TLS. */
    WEBSOCKET_UPGRADE("websocket_upgrade"),
    /** NORC handshake: connection_request to a verified connection_accepted (profile §3). */
    NORC_HANDSHAKE("norc_handshake"),
    /** auth_request to auth_response authenticated (profile §5). */
    AUTHENTICATION("authentication"),
    /** device_register to auth_response registered (profile §5). */
    REGISTRATION("registration"),
    /** From the connect call to an authenticated (or registered) session. */
    SESSION_SETUP("session_setup"),
    /** Sender's sent_at (inside the encrypted content) to the receiver having opened the message. */
    END_TO_END("end_to_end"),
    /** From send() to the server's message_ack accepted, including sealing and key look-up (and reconnects). */
    ACK("ack"),
    /** From a lost connection to the session authenticated again ({@code --reconnect}). */
    RECONNECT("reconnect");

    private final String label;

    Metric(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    public static Metric ofLabel(String label) {
        for (Metric m : values()) {
            if (m.label.equals(label)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown metric " + label);
    }
}
