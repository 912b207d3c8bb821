package norc.audit;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * One audit entry in its canonical form (spec §6.18: the {@code canonical_entry} that
 * {@link AuditChain} hashes). Deterministic, so that an auditor recomputes the same bytes from the
 * same entry; every integer big-endian, every string length-prefixed UTF-8:
 *
 * <pre>
 * canonical_entry = u8  format          (1)
 *                   u64 sequence        (1-based, one more than the entry before)
 *                   i64 timestamp       (epoch milliseconds, when the journal appended it)
 *                   str kind            (e.g. "authentication.failed")
 *                   u32 field_count
 *                   field_count × (str key, str value)   keys unique, in ascending byte order
 * str             = u32 byte_length || UTF-8 bytes
 * </pre>
 *
 * Kinds and keys are {@code [a-z0-9][a-z0-9._-]*} (at most 64 bytes); values are at most
 * {@link #MAX_VALUE_BYTES} bytes of UTF-8. Pseudonymised values are written as the server made
 * them ({@code u:}, {@code d:}, {@code c:} and 32 hex digits); they are never decoded. Decoding is
 * strict: anything that would not encode back to the same bytes is refused.
 */
public record AuditEntry(long sequence, long timestamp, String kind, SortedMap<String, String> fields) {
    public static final int FORMAT = 1;
    public static final int MAX_FIELDS = 64;
    public static final int MAX_NAME_BYTES = 64;
    public static final int MAX_VALUE_BYTES = 1024;
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]*");

    public AuditEntry {
        if (sequence < 1) {
            throw new IllegalArgumentException("an audit sequence starts at 1, not " + sequence);
        }
        checkName("kind", kind);
        if (fields.size() > MAX_FIELDS) {
            throw new IllegalArgumentException("more than " + MAX_FIELDS + " audit fields");
        }
        TreeMap<String, String> copy = new TreeMap<>();
        fields.forEach((key, value) -> {
            checkName("key", key);
            byte[] utf8 = value == null ? null : value.getBytes(StandardCharsets.UTF_8);
            if (utf8 == null || utf8.length > MAX_VALUE_BYTES || !new String(utf8, StandardCharsets.UTF_8).equals(value)) {
                throw new IllegalArgumentException("audit value of " + key + " is missing, not valid Unicode, or longer than "
                        + MAX_VALUE_BYTES + " bytes");
            }
            copy.put(key, value);
        });
        fields = Collections.unmodifiableSortedMap(copy);
    }

    public static AuditEntry of(long sequence, long timestamp, String kind, Map<String, String> fields) {
        return new AuditEntry(sequence, timestamp, kind, new TreeMap<>(fields));
    }

    /** Whether {@code name} may be a kind or a key. */
    public static boolean validName(String name) {
        return name != null && name.length() <= MAX_NAME_BYTES && NAME.matcher(name).matches();
    }

    private static void checkName(String what, String name) {
        if (!validName(name)) {
            throw new IllegalArgumentException("audit " + what + " must match [a-z0-9][a-z0-9._-]* (at most "
                    + MAX_NAME_BYTES + " bytes), not \"" + name + "\"");
        }
    }

    /** The canonical bytes. Keys are ASCII, so ascending {@link String} order is ascending byte order. */
    public byte[] encode() {
        byte[] kindBytes = kind.getBytes(StandardCharsets.UTF_8);
        int size = 1 + 8 + 8 + 4 + kindBytes.length + 4;
        byte[][] encoded = new byte[fields.size() * 2][];
        int i = 0;
        for (Map.Entry<String, String> field : fields.entrySet()) {
            encoded[i] = field.getKey().getBytes(StandardCharsets.UTF_8);
            encoded[i + 1] = field.getValue().getBytes(StandardCharsets.UTF_8);
            size += 8 + encoded[i].length + encoded[i + 1].length;
            i += 2;
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        out.put((byte) FORMAT).putLong(sequence).putLong(timestamp).putInt(kindBytes.length).put(kindBytes);
        out.putInt(fields.size());
        for (byte[] part : encoded) {
            out.putInt(part.length).put(part);
        }
        return out.array();
    }

    /**
     * Reads canonical bytes back.
     *
     * @throws IllegalArgumentException if they are not a canonical entry: another format, truncated
     *     or trailing bytes, invalid UTF-8, keys out of order or repeated, a bad name, a limit passed
     */
    public static AuditEntry decode(byte[] canonical) {
        ByteBuffer in = ByteBuffer.wrap(canonical);
        try {
            if (in.get() != FORMAT) {
                throw new IllegalArgumentException("unknown canonical entry format");
            }
            long sequence = in.getLong();
            long timestamp = in.getLong();
            String kind = string(in, MAX_NAME_BYTES);
            long count = Integer.toUnsignedLong(in.getInt());
            if (count > MAX_FIELDS) {
                throw new IllegalArgumentException("more than " + MAX_FIELDS + " audit fields");
            }
            TreeMap<String, String> fields = new TreeMap<>();
            String previous = null;
            for (long i = 0; i < count; i++) {
                String key = string(in, MAX_NAME_BYTES);
                String value = string(in, MAX_VALUE_BYTES);
                if (previous != null && previous.compareTo(key) >= 0) {
                    throw new IllegalArgumentException("audit keys out of order or repeated");
                }
                previous = key;
                fields.put(key, value);
            }
            if (in.hasRemaining()) {
                throw new IllegalArgumentException("trailing bytes after the canonical entry");
            }
            return new AuditEntry(sequence, timestamp, kind, fields);
        } catch (java.nio.BufferUnderflowException e) {
            throw new IllegalArgumentException("truncated canonical entry");
        }
    }

    private static String string(ByteBuffer in, int maxBytes) {
        long length = Integer.toUnsignedLong(in.getInt());
        if (length > maxBytes || length > in.remaining()) {
            throw new IllegalArgumentException("audit string longer than its limit or than the entry");
        }
        ByteBuffer bytes = in.slice().limit((int) length);
        in.position(in.position() + (int) length);
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(bytes);
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("invalid UTF-8 in a canonical entry");
        }
    }
}
