package norc.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.UUID;
import norc.wire.Codec;
import norc.wire.MessageType;
import norc.wire.message.NorcMessage;
import norc.wire.schema.FieldSchema;
import norc.wire.schema.RecordSchema;
import norc.wire.schema.WireType;

/**
 * A representative, deterministic instance of every message type, built by walking its
 * {@link RecordSchema} (the same field tables both codecs use), so that a new type or field is
 * covered without touching the benchmarks.
 *
 * <p>Values: strings and atoms are short and derived from the field name; lists and maps hold two
 * entries (distinct keys); every optional is present; fixed-size {@code bytes(n)} fields get
 * {@code n} bytes (32-byte keys, 64-byte signatures, the 1184-byte ML-KEM key, ...); free-size
 * {@code bytes} get {@value #DEFAULT_BYTES} bytes, except {@code message_send.ciphertext}, which
 * gets {@value #MESSAGE_SEND_CIPHERTEXT} bytes (a short message's end-to-end envelope); integers
 * are mid-range for their width (timestamps look like µs since the epoch); enum atoms take their
 * first constant (list entries the next ones). Byte contents come from a {@link SplittableRandom}
 * seeded with the type's registry code.
 */
public final class SampleMessages {
    static final int DEFAULT_BYTES = 32;
    static final int MESSAGE_SEND_CIPHERTEXT = 1024;
    static final int COLLECTION_SIZE = 2;

    private final MessageType type;
    private final SplittableRandom random;

    private SampleMessages(MessageType type) {
        this.type = type;
        this.random = new SplittableRandom(0x4E4F5243L ^ type.code());
    }

    /** The sample instance of {@code type}. */
    public static NorcMessage of(MessageType type) {
        return (NorcMessage) new SampleMessages(type).record(type.schema(), 0);
    }

    /**
     * The sample of {@code type} after checking that {@code codec} round-trips it to the same
     * bytes; throws otherwise, so a benchmark never times an error path.
     */
    public static NorcMessage checked(MessageType type, Codec codec) {
        NorcMessage sample = of(type);
        byte[] encoded = codec.encodePayload(sample);
        NorcMessage decoded = codec.decodePayload(type, encoded, 0, encoded.length);
        if (!Arrays.equals(encoded, codec.encodePayload(decoded))) {
            throw new IllegalStateException(type + " does not round-trip in " + codec.encoding());
        }
        return sample;
    }

    /** Prints each sample's encoded payload size in both encodings (for docs/benchmarks.md). */
    public static void main(String[] args) {
        Codec binary = norc.wire.WireEncoding.BINARY.codec(norc.wire.WireLimits.DEFAULT);
        Codec json = norc.wire.WireEncoding.JSON.codec(norc.wire.WireLimits.DEFAULT);
        System.out.println("type,binary_bytes,json_bytes");
        for (MessageType t : MessageType.values()) {
            System.out.println(t + "," + binary.encodePayload(checked(t, binary)).length + ","
                    + json.encodePayload(checked(t, json)).length);
        }
    }

    private Record record(RecordSchema schema, int index) {
        List<FieldSchema> fields = schema.fields();
        Object[] values = new Object[fields.size()];
        for (int i = 0; i < values.length; i++) {
            FieldSchema field = fields.get(i);
            values[i] = value(field.type(), field.name(), index);
        }
        return schema.construct(values);
    }

    private Object value(WireType wireType, String field, int index) {
        if (wireType instanceof WireType.Scalar scalar) {
            return scalar(scalar, field, index);
        }
        if (wireType instanceof WireType.FixedBytes fixed) {
            return bytes(fixed.size());
        }
        if (wireType instanceof WireType.EnumAtom atom) {
            Enum<?>[] constants = atom.enumType().getEnumConstants();
            return constants[index % constants.length];
        }
        if (wireType instanceof WireType.ListOf list) {
            List<Object> items = new ArrayList<>(COLLECTION_SIZE);
            for (int i = 0; i < COLLECTION_SIZE; i++) {
                items.add(value(list.element(), field, i));
            }
            return List.copyOf(items);
        }
        if (wireType instanceof WireType.MapOf map) {
            Map<Object, Object> entries = new LinkedHashMap<>();
            for (int i = 0; i < COLLECTION_SIZE; i++) {
                entries.put(value(map.key(), field + "_key", i), value(map.value(), field, i));
            }
            if (entries.size() != COLLECTION_SIZE) {
                throw new IllegalStateException(type + "." + field + ": duplicate sample map keys");
            }
            return Map.copyOf(entries);
        }
        if (wireType instanceof WireType.OptionalOf optional) {
            return Optional.of(value(optional.inner(), field, index));
        }
        if (wireType instanceof WireType.Nested nested) {
            return record(nested.schema(), index);
        }
        throw new IllegalStateException("unknown wire type " + wireType);
    }

    private Object scalar(WireType.Scalar scalar, String field, int index) {
        return switch (scalar) {
            case U8 -> 3 + index;
            case U16 -> 8443 + index;
            case U32 -> 100_000L + index;
            case U64 -> 1_000_000L + index;
            case I64 -> 1_767_225_600_000_000L + index; // 2026-01-01 in µs
            case BOOL -> index % 2 == 0;
            case UUID -> new UUID(random.nextLong(), random.nextLong());
            case STRING -> field.replace('_', '-') + "-" + index;
            case ATOM -> field + "_" + index;
            case BYTES -> bytes(type == MessageType.MESSAGE_SEND && field.equals("ciphertext")
                    ? MESSAGE_SEND_CIPHERTEXT : DEFAULT_BYTES);
        };
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i += 8) {
            long v = random.nextLong();
            for (int j = 0; j < 8 && i + j < n; j++) {
                b[i + j] = (byte) (v >>> (8 * j));
            }
        }
        return b;
    }
}
