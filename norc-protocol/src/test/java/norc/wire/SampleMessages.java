package norc.wire;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.UUID;
import norc.wire.message.NorcMessage;
import norc.wire.schema.FieldSchema;
import norc.wire.schema.RecordSchema;
import norc.wire.schema.WireType;

/**
 * Random valid instances of any wire record, generated from its {@link RecordSchema} alone (profile
 * §4.3: the record is the single definition of a message's fields), so a new field or message type
 * is covered without touching the tests. Values lean towards the edges: empty and non-ASCII strings
 * (including a surrogate pair), integer extremes (u64 with the top bit set, negative i64), empty and
 * present optionals, empty collections and map keys whose encoded order differs between the binary
 * and JSON encodings. Deterministic for a given seed.
 */
final class SampleMessages {
    /** Strings that stress escaping, UTF-8 and key order; the emoji is a UTF-16 surrogate pair. */
    private static final String[] STRINGS = {
        "", "a", "b", "aa", "é", "日本", "\uD83D\uDE00", "alice@a.example", "quote\" back\\slash",
        "tab\tline\nnull\u0000ctl\u001f", "mixed é 日本 \uD83D\uDE00 end", "\u007f\u0080\u07ff\u0800\uffff",
        "\u2028\u2029", "</script>", "1.0",
    };
    private static final String ATOM_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789_";
    private static final int MAX_ENTRIES = 4;

    private final SplittableRandom random;

    SampleMessages(long seed) {
        this.random = new SplittableRandom(seed);
    }

    /** A random valid message of {@code type}. */
    NorcMessage message(MessageType type) {
        return (NorcMessage) record(type.schema());
    }

    /** A random valid instance of any record type with a wire schema (messages and nested records). */
    <T extends Record> T record(Class<T> type) {
        return type.cast(record(RecordSchema.of(type)));
    }

    private Record record(RecordSchema schema) {
        List<FieldSchema> fields = schema.fields();
        Object[] values = new Object[fields.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = value(fields.get(i).type());
        }
        return schema.construct(values);
    }

    /** A random valid value of one wire type, in the Java carrier the codecs expect. */
    Object value(WireType type) {
        if (type instanceof WireType.Scalar scalar) {
            return scalar(scalar);
        }
        if (type instanceof WireType.FixedBytes fixed) {
            return bytes(fixed.size());
        }
        if (type instanceof WireType.EnumAtom atom) {
            List<Enum<?>> constants = new ArrayList<>(atom.byWireName().values());
            return constants.get(random.nextInt(constants.size()));
        }
        if (type instanceof WireType.ListOf list) {
            int n = entries();
            List<Object> items = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                items.add(value(list.element()));
            }
            return List.copyOf(items);
        }
        if (type instanceof WireType.MapOf map) {
            int n = entries();
            Map<Object, Object> entries = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                entries.put(value(map.key()), value(map.value()));
            }
            return entries;
        }
        if (type instanceof WireType.OptionalOf optional) {
            return random.nextBoolean() ? Optional.of(value(optional.inner())) : Optional.empty();
        }
        if (type instanceof WireType.Nested nested) {
            return record(nested.schema());
        }
        throw new IllegalStateException("no generator for " + type.describe());
    }

    private Object scalar(WireType.Scalar scalar) {
        boolean edge = random.nextInt(3) == 0;
        return switch (scalar) {
            case U8 -> edge ? pick(0, 0xFF) : random.nextInt(0x100);
            case U16 -> edge ? pick(0, 0xFFFF) : random.nextInt(0x10000);
            case U32 -> edge ? pick(0L, 0xFFFF_FFFFL, 0x8000_0000L) : random.nextLong(0x1_0000_0000L);
            case U64 -> edge ? pick(0L, -1L, Long.MIN_VALUE, Long.MAX_VALUE) : random.nextLong() | Long.MIN_VALUE;
            case I64 -> edge ? pick(Long.MIN_VALUE, -1L, 0L, Long.MAX_VALUE) : random.nextLong();
            case BOOL -> random.nextBoolean();
            case UUID -> new UUID(random.nextLong(), random.nextLong());
            case STRING -> string();
            case ATOM -> atom();
            case BYTES -> bytes(random.nextInt(3) == 0 ? 0 : random.nextInt(1, 48));
        };
    }

    @SafeVarargs
    private <T> T pick(T... options) {
        return options[random.nextInt(options.length)];
    }

    private int entries() {
        return random.nextInt(MAX_ENTRIES + 1);
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) random.nextInt(256);
        }
        return b;
    }

    /** {@code [a-z0-9_]{1,12}}. */
    String atom() {
        int n = random.nextInt(1, 13);
        StringBuilder s = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            s.append(ATOM_CHARS.charAt(random.nextInt(ATOM_CHARS.length())));
        }
        return s.toString();
    }

    /** A fixed tricky string, or random Unicode scalar values (never a lone surrogate). */
    String string() {
        if (random.nextBoolean()) {
            return STRINGS[random.nextInt(STRINGS.length)];
        }
        int n = random.nextInt(0, 10);
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n; i++) {
            int codePoint = switch (random.nextInt(4)) {
                case 0 -> random.nextInt(0x20, 0x7F);
                case 1 -> random.nextInt(0x80, 0x800);
                case 2 -> random.nextBoolean() ? random.nextInt(0x800, 0xD800) : random.nextInt(0xE000, 0x10000);
                default -> random.nextInt(0x10000, 0x110000);
            };
            s.appendCodePoint(codePoint);
        }
        return s.toString();
    }
}
