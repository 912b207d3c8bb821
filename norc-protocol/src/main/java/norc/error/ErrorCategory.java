package norc.error;

/**
 * The error categories of spec §9.1. Every {@link ErrorCode} refines exactly one of them; the
 * category's own code (a multiple of 1000) is what {@code error.error_category} names on the wire.
 */
public enum ErrorCategory {
    AUTHENTICATION(1000, "authentication"),
    AUTHORIZATION(2000, "authorization"),
    PROTOCOL(3000, "protocol"),
    CRYPTO(4000, "crypto"),
    FEDERATION(5000, "federation"),
    RATE_LIMIT(6000, "rate_limit"),
    SERVER(9000, "server");

    private final int code;
    private final String atom;

    ErrorCategory(int code, String atom) {
        this.code = code;
        this.atom = atom;
    }

    /** The category's base code, e.g. 3000 for protocol errors. */
    public int code() {
        return code;
    }

    /** The atom sent as {@code error_category}. */
    public String atom() {
        return atom;
    }

    /** The category a numeric code belongs to, or {@code null} if it belongs to none. */
    public static ErrorCategory ofCode(long code) {
        for (ErrorCategory category : values()) {
            if (code >= category.code && code < category.code + 1000) {
                return category;
            }
        }
        return null;
    }
}
