package norc.wire;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import norc.error.ErrorCode;
import norc.error.NorcException;
import norc.wire.message.NorcMessage;
import norc.wire.schema.FieldSchema;
import norc.wire.schema.RecordSchema;
import norc.wire.schema.WireAtom;
import norc.wire.schema.WireType;

/**
 * The binary payload encoding of {@code norc-c-v1} (profile §4.3): fields in table order,
 * big-endian integers, {@code u32}-prefixed strings, bytes, lists and maps, map entries in
 * ascending order of their encoded key bytes, optionals as a 0/1 flag. Decoding is strict: every
 * length and count is checked against the remaining bytes and {@link WireLimits} before anything
 * is allocated for it, and trailing bytes are an error.
 */
public final class BinaryCodec implements Codec {
    private final WireLimits limits;

    public BinaryCodec(WireLimits limits) {
        this.limits = limits;
    }

    @Override
    public WireEncoding encoding() {
        return WireEncoding.BINARY;
    }

    @Override
    public WireLimits limits() {
        return limits;
    }

    @Override
    public byte[] encodeMessage(NorcMessage message) {
        WireWriter out = new WireWriter();
        out.u8(message.messageType().code());
        writeRecord((Record) message, message.messageType().schema(), null, out);
        return out.toByteArray();
    }

    @Override
    public byte[] encodeMessageWithout(NorcMessage message, String field) {
        RecordSchema schema = message.messageType().schema();
        if (schema.field(field) == null) {
            throw new IllegalArgumentException("no field " + field);
        }
        WireWriter out = new WireWriter();
        out.u8(message.messageType().code());
        writeRecord((Record) message, schema, field, out);
        return out.toByteArray();
    }

    @Override
    public NorcMessage decodeMessage(byte[] data) {
        checkSize(data.length);
        WireReader in = new WireReader(data);
        MessageType type = MessageType.fromCode(in.u8());
        if (type == null) {
            throw new NorcException(ErrorCode.UNKNOWN_MESSAGE_TYPE, "unassigned type code");
        }
        NorcMessage message = (NorcMessage) readRecord(type.schema(), in);
        in.expectEnd();
        return message;
    }

    @Override
    public byte[] encodePayload(NorcMessage message) {
        WireWriter out = new WireWriter();
        encodePayload(message, out);
        return out.toByteArray();
    }

    /** Appends the payload of {@code message} to {@code out} (no allocation beyond growth of {@code out}). */
    public void encodePayload(NorcMessage message, WireWriter out) {
        writeRecord((Record) message, message.messageType().schema(), null, out);
    }

    @Override
    public NorcMessage decodePayload(MessageType type, byte[] data, int off, int len) {
        checkSize(len);
        WireReader in = new WireReader(data, off, len);
        NorcMessage message = (NorcMessage) readRecord(type.schema(), in);
        in.expectEnd();
        return message;
    }

    /** Decodes any record type (nested tables, frame wrappers); the whole range must be consumed. */
    public <T extends Record> T decodeRecord(Class<T> type, byte[] data, int off, int len) {
        checkSize(len);
        WireReader in = new WireReader(data, off, len);
        T value = type.cast(readRecord(RecordSchema.of(type), in));
        in.expectEnd();
        return value;
    }

    /** Encodes any record type in table order. */
    public byte[] encodeRecord(Record value) {
        WireWriter out = new WireWriter();
        writeRecord(value, RecordSchema.of(value.getClass()), null, out);
        return out.toByteArray();
    }

    /**
     * The encoding of one field of {@code value} as it appears inside the record ({@code enc(x)} of
     * the groups profile: an optional field keeps its presence flag).
     */
    public byte[] encodeField(Record value, String field) {
        FieldSchema f = RecordSchema.of(value.getClass()).field(field);
        if (f == null) {
            throw new IllegalArgumentException("no field " + field);
        }
        WireWriter out = new WireWriter();
        writeValue(f.type(), f.read(value), out);
        return out.toByteArray();
    }

    private void checkSize(int len) {
        if (len > limits.maxMessageBytes()) {
            throw new NorcException(ErrorCode.LIMIT_EXCEEDED, "message of " + len + " bytes");
        }
    }

    // ---- encoding -------------------------------------------------------------------------

    private static void writeRecord(Record value, RecordSchema schema, String skip, WireWriter out) {
        for (FieldSchema field : schema.fields()) {
            if (field.name().equals(skip)) {
                continue;
            }
            Object v = field.read(value);
            if (v == null) {
                throw new IllegalArgumentException(schema.tableName() + "." + field.name() + " is null");
            }
            writeValue(field.type(), v, out);
        }
    }

    static void writeValue(WireType type, Object v, WireWriter out) {
        if (type instanceof WireType.Scalar scalar) {
            writeScalar(scalar, v, out);
        } else if (type instanceof WireType.FixedBytes fixed) {
            byte[] b = (byte[]) v;
            if (b.length != fixed.size()) {
                throw new IllegalArgumentException("expected " + fixed.size() + " bytes, got " + b.length);
            }
            out.bytes(b);
        } else if (type instanceof WireType.EnumAtom) {
            writeString(((WireAtom) v).wireName(), out);
        } else if (type instanceof WireType.ListOf list) {
            List<?> items = (List<?>) v;
            out.u32(items.size());
            for (Object item : items) {
                writeValue(list.element(), item, out);
            }
        } else if (type instanceof WireType.MapOf map) {
            writeMap(map, (Map<?, ?>) v, out);
        } else if (type instanceof WireType.OptionalOf optional) {
            Optional<?> o = (Optional<?>) v;
            out.u8(o.isPresent() ? 1 : 0);
            if (o.isPresent()) {
                writeValue(optional.inner(), o.get(), out);
            }
        } else if (type instanceof WireType.Nested nested) {
            writeRecord((Record) v, nested.schema(), null, out);
        }
    }

    private static void writeScalar(WireType.Scalar scalar, Object v, WireWriter out) {
        switch (scalar) {
            case U8 -> out.u8(checkRange((Integer) v, 0xFF));
            case U16 -> out.u16(checkRange((Integer) v, 0xFFFF));
            case U32 -> out.u32(checkRange((Long) v, 0xFFFF_FFFFL));
            case U64, I64 -> out.u64((Long) v);
            case BOOL -> out.u8((Boolean) v ? 1 : 0);
            case UUID -> out.uuid((UUID) v);
            case STRING -> writeString((String) v, out);
            case ATOM -> {
                if (!AtomRules.isAtom((String) v)) {
                    throw new IllegalArgumentException("not an atom");
                }
                writeString((String) v, out);
            }
            case BYTES -> out.bytes((byte[]) v);
        }
    }

    private static int checkRange(int v, int max) {
        if (v < 0 || v > max) {
            throw new IllegalArgumentException("value out of range");
        }
        return v;
    }

    private static long checkRange(long v, long max) {
        if (v < 0 || v > max) {
            throw new IllegalArgumentException("value out of range");
        }
        return v;
    }

    private static void writeString(String s, WireWriter out) {
        if (Utf8.encodedLength(s) < 0) {
            throw new IllegalArgumentException("string holds an unpaired surrogate: not encodable as UTF-8");
        }
        out.bytes(s.getBytes(StandardCharsets.UTF_8));
    }

    private static void writeMap(WireType.MapOf type, Map<?, ?> map, WireWriter out) {
        int n = map.size();
        byte[][] keys = new byte[n][];
        Object[] values = new Object[n];
        Integer[] order = new Integer[n];
        int i = 0;
        WireWriter keyOut = new WireWriter(32);
        for (Map.Entry<?, ?> e : map.entrySet()) {
            writeValue(type.key(), e.getKey(), keyOut.reset());
            keys[i] = keyOut.toByteArray();
            values[i] = e.getValue();
            order[i] = i;
            i++;
        }
        Arrays.sort(order, (a, b) -> Arrays.compareUnsigned(keys[a], keys[b]));
        out.u32(n);
        for (Integer idx : order) {
            out.raw(keys[idx]);
            writeValue(type.value(), values[idx], out);
        }
    }

    // ---- decoding -------------------------------------------------------------------------

    private Record readRecord(RecordSchema schema, WireReader in) {
        List<FieldSchema> fields = schema.fields();
        Object[] values = new Object[fields.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = readValue(fields.get(i).type(), in);
        }
        return schema.construct(values);
    }

    private Object readValue(WireType type, WireReader in) {
        if (type instanceof WireType.Scalar scalar) {
            return readScalar(scalar, in);
        }
        if (type instanceof WireType.FixedBytes fixed) {
            int n = in.length(limits.maxMessageBytes());
            if (n != fixed.size()) {
                throw new NorcException(ErrorCode.INVALID_FIELD, "expected " + fixed.size() + " bytes, got " + n);
            }
            return in.raw(n);
        }
        if (type instanceof WireType.EnumAtom atom) {
            Enum<?> constant = atom.byWireName().get(in.string(limits.maxStringBytes()));
            if (constant == null) {
                throw new NorcException(ErrorCode.INVALID_FIELD, "unknown atom");
            }
            return constant;
        }
        if (type instanceof WireType.ListOf list) {
            int count = count(list.element().minEncodedSize(), in);
            List<Object> items = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                items.add(readValue(list.element(), in));
            }
            return Collections.unmodifiableList(items);
        }
        if (type instanceof WireType.MapOf map) {
            return readMap(map, in);
        }
        if (type instanceof WireType.OptionalOf optional) {
            return in.flag() ? Optional.of(readValue(optional.inner(), in)) : Optional.empty();
        }
        WireType.Nested nested = (WireType.Nested) type;
        return readRecord(nested.schema(), in);
    }

    private Object readScalar(WireType.Scalar scalar, WireReader in) {
        return switch (scalar) {
            case U8 -> in.u8();
            case U16 -> in.u16();
            case U32 -> in.u32();
            case U64, I64 -> in.u64();
            case BOOL -> in.flag();
            case UUID -> in.uuid();
            case STRING -> in.string(limits.maxStringBytes());
            case ATOM -> AtomRules.requireAtom(in.string(limits.maxStringBytes()));
            case BYTES -> in.bytes(limits.maxMessageBytes());
        };
    }

    /** A list or map count: over the limit is {@code LIMIT_EXCEEDED}, impossible in the remaining bytes {@code TRUNCATED}. */
    private int count(int minItemSize, WireReader in) {
        long count = in.u32();
        if (count > limits.maxCollectionCount()) {
            throw new NorcException(ErrorCode.LIMIT_EXCEEDED, "count " + count + " over " + limits.maxCollectionCount());
        }
        if (count * minItemSize > in.remaining()) {
            throw new NorcException(ErrorCode.TRUNCATED, "count " + count + " cannot fit");
        }
        return (int) count;
    }

    private Map<Object, Object> readMap(WireType.MapOf type, WireReader in) {
        int count = count(type.key().minEncodedSize() + type.value().minEncodedSize(), in);
        Map<Object, Object> map = new LinkedHashMap<>(Math.max(4, count * 2));
        byte[] buf = in.array();
        int prevStart = -1;
        int prevEnd = -1;
        for (int i = 0; i < count; i++) {
            int start = in.position();
            Object key = readValue(type.key(), in);
            int end = in.position();
            if (prevStart >= 0 && Arrays.compareUnsigned(buf, prevStart, prevEnd, buf, start, end) >= 0) {
                throw new NorcException(ErrorCode.NON_CANONICAL, "map keys unsorted or duplicated");
            }
            prevStart = start;
            prevEnd = end;
            map.put(key, readValue(type.value(), in));
        }
        return Collections.unmodifiableMap(map);
    }
}
