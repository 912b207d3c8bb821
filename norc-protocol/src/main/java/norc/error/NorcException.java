package norc.error;

/**
 * The one exception type of the protocol core. It carries a spec error code; its message is the
 * code's generic text, so printing it to a peer reveals nothing (spec §6.15). A {@code detail} may
 * be attached for local diagnostics: it must never contain message content, keys or user ids
 * (spec §6.3) and is never sent on the wire.
 */
public final class NorcException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;
    private final String detail;

    public NorcException(ErrorCode code) {
        this(code, null, null);
    }

    public NorcException(ErrorCode code, String detail) {
        this(code, detail, null);
    }

    public NorcException(ErrorCode code, String detail, Throwable cause) {
        super(code.genericMessage(), cause, false, false);
        this.code = code;
        this.detail = detail;
    }

    public ErrorCode code() {
        return code;
    }

    public ErrorCategory category() {
        return code.category();
    }

    /** Local-only diagnostic text (no secrets, no identities), or {@code null}. */
    public String detail() {
        return detail;
    }

    @Override
    public String toString() {
        return "NorcException[" + code.code() + " " + code.atom() + (detail == null ? "" : ": " + detail) + "]";
    }
}
