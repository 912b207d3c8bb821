package norc.server.audit;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import norc.audit.AuditEntry;

/**
 * One thing to audit, as the caller describes it (spec §6.18): a {@code kind} from
 * {@link AuditKinds}, values kept in clear (peer server ids, error codes, levels, methods, reasons,
 * operator names; never content, keys or participant lists), and the user, device and conversation
 * it concerns, which the {@link AuditLog} replaces by HMAC pseudonyms before anything is stored or
 * leaves the node. Immutable; {@code toString} never shows the ids.
 *
 * <pre>
 * audit.record(AuditEvent.of(AuditKinds.AUTHENTICATION_FAILED).with("code", "1001").user(userId).device(deviceId));
 * </pre>
 */
public record AuditEvent(String kind, Map<String, String> clear, Map<String, String> pseudonymised) {
    /** The keys whose values are pseudonymised, never stored as given. */
    public static final Set<String> PSEUDONYMISED_KEYS = Set.of("user", "device", "conversation");
    /** Clear values longer than this many characters are cut (an audit entry stays small). */
    public static final int MAX_CLEAR_VALUE = 256;

    public AuditEvent {
        if (!AuditEntry.validName(kind)) {
            throw new IllegalArgumentException("audit kind must match [a-z0-9][a-z0-9._-]*, not \"" + kind + "\"");
        }
        clear.forEach((key, value) -> {
            if (!AuditEntry.validName(key) || PSEUDONYMISED_KEYS.contains(key)) {
                throw new IllegalArgumentException("audit key must match [a-z0-9][a-z0-9._-]* and not be one of "
                        + PSEUDONYMISED_KEYS + ", not \"" + key + "\"");
            }
            Objects.requireNonNull(value, key);
        });
        if (!PSEUDONYMISED_KEYS.containsAll(pseudonymised.keySet())) {
            throw new IllegalArgumentException("only " + PSEUDONYMISED_KEYS + " are pseudonymised");
        }
        clear = Map.copyOf(clear);
        pseudonymised = Map.copyOf(pseudonymised);
    }

    public static AuditEvent of(String kind) {
        return new AuditEvent(kind, Map.of(), Map.of());
    }

    /** A value kept in clear; null is written as an empty string, long values are cut. */
    public AuditEvent with(String key, String value) {
        Map<String, String> next = new LinkedHashMap<>(clear);
        next.put(key, clearValue(value));
        return new AuditEvent(kind, next, pseudonymised);
    }

    /** The user the event concerns, stored as {@code u:} and its pseudonym. */
    public AuditEvent user(String userId) {
        return pseudonym("user", Objects.requireNonNull(userId, "userId"));
    }

    /** The device the event concerns, stored as {@code d:} and its pseudonym. */
    public AuditEvent device(UUID deviceId) {
        return pseudonym("device", Objects.requireNonNull(deviceId, "deviceId").toString());
    }

    /** The conversation the event concerns, stored as {@code c:} and its pseudonym. */
    public AuditEvent conversation(UUID conversationId) {
        return pseudonym("conversation", Objects.requireNonNull(conversationId, "conversationId").toString());
    }

    private AuditEvent pseudonym(String key, String id) {
        Map<String, String> next = new LinkedHashMap<>(pseudonymised);
        next.put(key, id);
        return new AuditEvent(kind, clear, next);
    }

    /** Unicode that survives UTF-8 (lone surrogates replaced), at most {@link #MAX_CLEAR_VALUE} code points. */
    static String clearValue(String value) {
        if (value == null) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        int count = 0;
        for (int i = 0; i < value.length() && count < MAX_CLEAR_VALUE; count++) {
            int cp = value.codePointAt(i);
            i += Character.charCount(cp);
            out.appendCodePoint(Character.isSurrogate((char) cp) && cp < 0x10000 ? 0xFFFD : cp);
        }
        return out.toString();
    }

    /** The ids are left out: an event may be logged. */
    @Override
    public String toString() {
        return "AuditEvent[kind=" + kind + ", clear=" + clear + ", pseudonymised=" + pseudonymised.keySet() + "]";
    }
}
