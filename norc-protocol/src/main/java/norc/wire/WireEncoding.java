package norc.wire;

/** The two NORC-C WebSocket subprotocols (profile §2, §4.3). */
public enum WireEncoding {
    /** Binary frames: header, then AEAD ciphertext of the binary payload. */
    BINARY("norc-c-v1"),
    /** Text frames of canonical JSON. */
    JSON("norc-c-json-v1");

    private final String subprotocol;

    WireEncoding(String subprotocol) {
        this.subprotocol = subprotocol;
    }

    /** The WebSocket subprotocol name. */
    public String subprotocol() {
        return subprotocol;
    }

    /** The encoding for a subprotocol name, or {@code null}. */
    public static WireEncoding fromSubprotocol(String name) {
        for (WireEncoding e : values()) {
            if (e.subprotocol.equals(name)) {
                return e;
            }
        }
        return null;
    }

    /** A codec of this encoding bounded by {@code limits}. */
    public Codec codec(WireLimits limits) {
        return this == BINARY ? new BinaryCodec(limits) : new JsonCodec(limits);
    }
}
