package norc.error;

/**
 * Every error this implementation raises, with its wire code (spec §9.1, wire profile §8, federation
 * profile §7) and the generic text a peer sees. The texts never name a user, device, key or field
 * value (spec §6.15): "unknown user" and "not allowed" deliberately share {@link #AUTHENTICATION_FAILED},
 * and most federation refusals share "federation refused".
 */
public enum ErrorCode {
    AUTHENTICATION_FAILED(1001, "authentication failed"),
    STALE_TIMESTAMP_AUTH(1002, "authentication failed"),
    DEVICE_REVOKED(1003, "authentication failed"),
    REGISTRATION_REJECTED(1004, "registration rejected"),
    /** A valid signature by a device key past its {@code expires_at} (groups profile C). */
    KEY_EXPIRED(1005, "authentication failed"),

    FORBIDDEN(2001, "not allowed"),
    CLASSIFICATION_NOT_PERMITTED(2002, "not allowed"),
    /** A member's role lacks the right (groups profile A.1). */
    ROLE_INSUFFICIENT(2003, "not allowed"),
    /** A subject unknown, without an active device, or at its group limit (groups profile A.3). */
    MEMBER_UNAVAILABLE(2004, "not allowed"),

    NO_COMPATIBLE_VERSION(3001, "no compatible version"),
    TRUNCATED(3002, "malformed message"),
    TRAILING_BYTES(3003, "malformed message"),
    INVALID_UTF8(3004, "malformed message"),
    INVALID_FLAG(3005, "malformed message"),
    NON_CANONICAL(3006, "malformed message"),
    LIMIT_EXCEEDED(3007, "message exceeds a limit"),
    UNKNOWN_MESSAGE_TYPE(3008, "unknown message type"),
    INVALID_FIELD(3009, "malformed message"),
    STALE_TIMESTAMP(3010, "timestamp out of range"),
    UNEXPECTED_MESSAGE(3011, "unexpected message"),
    INVALID_HEADER(3012, "malformed frame"),
    /** A stale {@code expected_version}, or keys not for the group's device set (groups profile A.3, A.5). */
    MEMBERSHIP_CHANGED(3013, "conversation changed"),
    /** A request that breaks its action's row (groups profile A.3). */
    INVALID_CHANGE(3014, "invalid request"),
    /** A manifest before every chunk is stored (groups profile B.3). */
    UPLOAD_INCOMPLETE(3015, "upload incomplete"),
    /** A chunk's index, size, conflicting bytes or parameters, or an upload after sealing (groups profile B.3). */
    CHUNK_REJECTED(3016, "invalid chunk"),
    /** A rotation during an overlap, or a successor id in use (groups profile C). */
    ROTATION_REJECTED(3017, "invalid request"),

    DECRYPT_FAILED(4001, "decryption failed"),
    INVALID_SIGNATURE(4002, "invalid signature"),
    WEAK_KEY(4003, "invalid key"),
    NO_COMPATIBLE_SUITE(4004, "no compatible cipher suite"),
    DOWNGRADE_DETECTED(4005, "handshake verification failed"),
    CHAIN_MISMATCH(4006, "integrity check failed"),

    FEDERATION_REFUSED(5001, "federation refused"),
    IDENTITY_MISMATCH(5002, "federation refused"),
    LINK_REQUIRED(5003, "link required"),
    INVALID_ROUTE(5004, "federation refused"),
    REPLAY_DETECTED(5005, "federation refused"),
    STALE_SEQUENCE(5006, "sequence out of window"),
    MESSAGE_EXPIRED(5007, "message expired"),
    CHALLENGE_FAILED(5008, "trust verification failed"),
    NO_ACCEPTABLE_METHOD(5009, "trust verification failed"),
    PEER_UNREACHABLE(5010, "delivery failed"),
    REMOTE_DELIVERY_FAILED(5011, "delivery failed"),

    RATE_LIMITED(6001, "rate limited"),
    /** File storage or unsealed-upload quota (groups profile B.3). */
    QUOTA_EXCEEDED(6002, "storage quota exceeded"),

    INTERNAL(9001, "internal server error"),
    UNAVAILABLE(9002, "service unavailable");

    private final int code;
    private final String genericMessage;
    private final ErrorCategory category;

    ErrorCode(int code, String genericMessage) {
        this.code = code;
        this.genericMessage = genericMessage;
        this.category = ErrorCategory.ofCode(code);
    }

    /** The numeric {@code error_code} on the wire. */
    public int code() {
        return code;
    }

    public ErrorCategory category() {
        return category;
    }

    /** The only text a peer is ever shown for this code. */
    public String genericMessage() {
        return genericMessage;
    }

    /** The snake_case name, used in logs and tests (never on the wire beyond the code). */
    public String atom() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The code for a numeric value, or {@code null} when this implementation does not define it. */
    public static ErrorCode ofCode(long code) {
        for (ErrorCode c : values()) {
            if (c.code == code) {
                return c;
            }
        }
        return null;
    }
}
