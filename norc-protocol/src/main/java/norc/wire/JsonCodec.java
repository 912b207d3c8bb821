package norc.wire;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.Comparator;
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
 * Canonical JSON, the {@code norc-c-json-v1} encoding (spec §6.9, profile §4.3): UTF-8, members
 * sorted by code point, no whitespace, base-10 integers, base64url bytes without padding, lowercase
 * UUIDs, absent optionals omitted, and a {@code "type"} member naming the message. Decoding is
 * strict: invalid UTF-8, unsorted or duplicate members, unknown or missing fields and counts over
 * the limits are rejected with their own codes, and whatever else is not byte-identical to the
 * canonical re-encoding is {@code NON_CANONICAL}.
 */
public final class JsonCodec implements Codec {
    /** The member that names a message's type. */
    public static final String TYPE_MEMBER = "type";

    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64_DECODER = Base64.getUrlDecoder();
    private static final BigInteger U64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
    private static final Comparator<String> CODE_POINT_ORDER = JsonCodec::compareCodePoints;

    /** Field order of each record in JSON: its members sorted by code point. */
    private static final ClassValue<FieldSchema[]> SORTED = new ClassValue<>() {
        @Override
        protected FieldSchema[] computeValue(Class<?> type) {
            FieldSchema[] fields = RecordSchema.of(type.asSubclass(Record.class)).fields().toArray(FieldSchema[]::new);
            Arrays.sort(fields, Comparator.comparing(FieldSchema::name, CODE_POINT_ORDER));
            return fields;
        }
    };

    private final WireLimits limits;
    private final JsonFactory factory;

    public JsonCodec(WireLimits limits) {
        this.limits = limits;
        this.factory = JsonFactory.builder()
                // canonical JSON is UTF-8 (profile §4.3): a non-BMP character is its 4-byte sequence,
                // and the escapes that remain (control characters) use lowercase hex, as JSON.stringify does
                .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
                .disable(JsonWriteFeature.WRITE_HEX_UPPER_CASE)
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(16)
                        .maxNumberLength(24)
                        .maxStringLength(limits.maxMessageBytes() / 3 * 4 + 8)
                        .maxDocumentLength(limits.maxMessageBytes() / 3 * 4 + 64 * 1024L)
                        .build())
                .build();
    }

    @Override
    public WireEncoding encoding() {
        return WireEncoding.JSON;
    }

    @Override
    public WireLimits limits() {
        return limits;
    }

    @Override
    public byte[] encodeMessage(NorcMessage message) {
        return encode((Record) message, message.messageType().wireName(), null);
    }

    @Override
    public byte[] encodeMessageWithout(NorcMessage message, String field) {
        if (message.messageType().schema().field(field) == null) {
            throw new IllegalArgumentException("no field " + field);
        }
        return encode((Record) message, message.messageType().wireName(), field);
    }

    @Override
    public byte[] encodePayload(NorcMessage message) {
        return encodeMessage(message);
    }

    /** Encodes any record (e.g. the frame wrapper) with an optional {@code "type"} member. */
    public byte[] encodeRecord(Record value, String typeName) {
        return encode(value, typeName, null);
    }

    @Override
    public NorcMessage decodeMessage(byte[] data) {
        checkSize(data.length);
        String name = peekType(data);
        MessageType type = name == null ? null : MessageType.fromName(name);
        if (type == null) {
            throw new NorcException(ErrorCode.UNKNOWN_MESSAGE_TYPE, "unknown type member");
        }
        return (NorcMessage) decodeRecord(type.schema(), type.wireName(), data);
    }

    @Override
    public NorcMessage decodePayload(MessageType type, byte[] data, int off, int len) {
        byte[] slice = off == 0 && len == data.length ? data : Arrays.copyOfRange(data, off, off + len);
        checkSize(slice.length);
        return (NorcMessage) decodeRecord(type.schema(), type.wireName(), slice);
    }

    /**
     * Decodes a record whose JSON object must carry {@code "type": typeName} (or no type member
     * when {@code typeName} is null), strictly and canonically.
     */
    public <T extends Record> T decodeRecord(Class<T> type, String typeName, byte[] data) {
        checkSize(data.length);
        return type.cast(decodeRecord(RecordSchema.of(type), typeName, data));
    }

    private void checkSize(int len) {
        if (len > limits.maxMessageBytes() / 3 * 4 + 64 * 1024L) {
            throw new NorcException(ErrorCode.LIMIT_EXCEEDED, "JSON message of " + len + " bytes");
        }
    }

    // ---- encoding -------------------------------------------------------------------------

    private byte[] encode(Record value, String typeName, String skip) {
        try (ByteArrayBuilder bytes = new ByteArrayBuilder(256);
             JsonGenerator gen = factory.createGenerator(bytes)) {
            writeObject(gen, value, typeName, skip);
            gen.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException("in-memory JSON encoding failed", e);
        }
    }

    private void writeObject(JsonGenerator gen, Record value, String typeName, String skip) throws IOException {
        gen.writeStartObject();
        boolean typeWritten = typeName == null;
        for (FieldSchema field : SORTED.get(value.getClass())) {
            if (!typeWritten && compareCodePoints(TYPE_MEMBER, field.name()) < 0) {
                gen.writeStringField(TYPE_MEMBER, typeName);
                typeWritten = true;
            }
            if (field.name().equals(skip)) {
                continue;
            }
            Object v = field.read(value);
            if (v == null) {
                throw new IllegalArgumentException(field.name() + " is null");
            }
            if (v instanceof Optional<?> o && o.isEmpty()) {
                continue;
            }
            gen.writeFieldName(field.name());
            writeValue(gen, field.type(), v);
        }
        if (!typeWritten) {
            gen.writeStringField(TYPE_MEMBER, typeName);
        }
        gen.writeEndObject();
    }

    private void writeValue(JsonGenerator gen, WireType type, Object v) throws IOException {
        if (type instanceof WireType.Scalar scalar) {
            switch (scalar) {
                case U8, U16 -> gen.writeNumber((Integer) v);
                case U32, I64 -> gen.writeNumber((Long) v);
                case U64 -> gen.writeNumber(Long.toUnsignedString((Long) v));
                case BOOL -> gen.writeBoolean((Boolean) v);
                case UUID -> gen.writeString(v.toString());
                case STRING -> gen.writeString((String) v);
                case ATOM -> {
                    if (!AtomRules.isAtom((String) v)) {
                        throw new IllegalArgumentException("not an atom");
                    }
                    gen.writeString((String) v);
                }
                case BYTES -> gen.writeString(B64.encodeToString((byte[]) v));
            }
        } else if (type instanceof WireType.FixedBytes fixed) {
            byte[] b = (byte[]) v;
            if (b.length != fixed.size()) {
                throw new IllegalArgumentException("expected " + fixed.size() + " bytes, got " + b.length);
            }
            gen.writeString(B64.encodeToString(b));
        } else if (type instanceof WireType.EnumAtom) {
            gen.writeString(((WireAtom) v).wireName());
        } else if (type instanceof WireType.ListOf list) {
            gen.writeStartArray();
            for (Object item : (List<?>) v) {
                writeValue(gen, list.element(), item);
            }
            gen.writeEndArray();
        } else if (type instanceof WireType.MapOf map) {
            List<Map.Entry<String, Object>> entries = new ArrayList<>();
            for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                entries.add(Map.entry(keyString(map.key(), e.getKey()), e.getValue()));
            }
            entries.sort(Map.Entry.comparingByKey(CODE_POINT_ORDER));
            gen.writeStartObject();
            for (Map.Entry<String, Object> e : entries) {
                gen.writeFieldName(e.getKey());
                writeValue(gen, map.value(), e.getValue());
            }
            gen.writeEndObject();
        } else if (type instanceof WireType.OptionalOf optional) {
            writeValue(gen, optional.inner(), ((Optional<?>) v).orElseThrow());
        } else if (type instanceof WireType.Nested) {
            writeObject(gen, (Record) v, null, null);
        }
    }

    private static String keyString(WireType keyType, Object key) {
        if (keyType == WireType.Scalar.ATOM && !AtomRules.isAtom((String) key)) {
            throw new IllegalArgumentException("not an atom");
        }
        return key.toString();
    }

    // ---- decoding -------------------------------------------------------------------------

    /** First pass: the value of the top-level {@code "type"} member, or null. */
    private String peekType(byte[] data) {
        WireReader.utf8(data, 0, data.length);
        try (JsonParser p = factory.createParser(data)) {
            expect(p.nextToken(), JsonToken.START_OBJECT);
            String type = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                if (TYPE_MEMBER.equals(name) && t == JsonToken.VALUE_STRING) {
                    type = p.getText();
                } else {
                    p.skipChildren();
                }
            }
            return type;
        } catch (IOException e) {
            throw mapParseFailure(e, data.length);
        }
    }

    private Record decodeRecord(RecordSchema schema, String typeName, byte[] data) {
        WireReader.utf8(data, 0, data.length);
        Record value;
        try (JsonParser p = factory.createParser(data)) {
            expect(p.nextToken(), JsonToken.START_OBJECT);
            value = readObject(p, schema, typeName);
            if (p.nextToken() != null) {
                throw new NorcException(ErrorCode.TRAILING_BYTES, "content after the object");
            }
        } catch (IOException e) {
            throw mapParseFailure(e, data.length);
        }
        byte[] canonical = encode(value, typeName, null);
        if (!Arrays.equals(canonical, data)) {
            throw new NorcException(ErrorCode.NON_CANONICAL, "not the canonical encoding");
        }
        return value;
    }

    /** A syntax error that the parser reports at the very end of the input is a truncation. */
    private static NorcException mapParseFailure(IOException e, int length) {
        if (e instanceof JsonEOFException) {
            return new NorcException(ErrorCode.TRUNCATED, "JSON ends early");
        }
        if (e instanceof com.fasterxml.jackson.core.JsonProcessingException p && p.getLocation() != null
                && p.getLocation().getByteOffset() >= length) {
            return new NorcException(ErrorCode.TRUNCATED, "JSON ends inside a token");
        }
        if (e instanceof StreamConstraintsException) {
            return new NorcException(ErrorCode.LIMIT_EXCEEDED, "JSON over a limit");
        }
        return new NorcException(ErrorCode.NON_CANONICAL, "malformed JSON");
    }

    private static void expect(JsonToken actual, JsonToken expected) {
        if (actual == null) {
            throw new NorcException(ErrorCode.TRUNCATED, "JSON ends early");
        }
        if (actual != expected) {
            throw new NorcException(ErrorCode.INVALID_FIELD, "unexpected JSON token");
        }
    }

    /** Reads members after START_OBJECT up to END_OBJECT, in strictly ascending code-point order. */
    private Record readObject(JsonParser p, RecordSchema schema, String typeName) throws IOException {
        List<FieldSchema> fields = schema.fields();
        Object[] values = new Object[fields.size()];
        boolean typeSeen = false;
        String previous = null;
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            if (previous != null && compareCodePoints(previous, name) >= 0) {
                throw new NorcException(ErrorCode.NON_CANONICAL, "members unsorted or duplicated");
            }
            previous = name;
            JsonToken valueToken = p.nextToken();
            if (valueToken == null) {
                throw new NorcException(ErrorCode.TRUNCATED, "JSON ends early");
            }
            if (typeName != null && TYPE_MEMBER.equals(name)) {
                if (valueToken != JsonToken.VALUE_STRING || !typeName.equals(p.getText())) {
                    throw new NorcException(ErrorCode.INVALID_FIELD, "type member does not match");
                }
                typeSeen = true;
                continue;
            }
            FieldSchema field = schema.field(name);
            if (field == null) {
                throw new NorcException(ErrorCode.INVALID_FIELD, "unknown member");
            }
            int index = fields.indexOf(field);
            values[index] = readValue(p, field.type());
        }
        if (t != JsonToken.END_OBJECT) {
            expect(t, JsonToken.END_OBJECT);
        }
        if (typeName != null && !typeSeen) {
            throw new NorcException(ErrorCode.INVALID_FIELD, "missing type member");
        }
        for (int i = 0; i < values.length; i++) {
            if (values[i] == null) {
                if (fields.get(i).type() instanceof WireType.OptionalOf) {
                    values[i] = Optional.empty();
                } else {
                    throw new NorcException(ErrorCode.INVALID_FIELD, "missing member");
                }
            }
        }
        return schema.construct(values);
    }

    private Object readValue(JsonParser p, WireType type) throws IOException {
        JsonToken t = p.currentToken();
        if (type instanceof WireType.OptionalOf optional) {
            return Optional.of(readValue(p, optional.inner()));
        }
        if (type instanceof WireType.Nested nested) {
            expect(t, JsonToken.START_OBJECT);
            return readObject(p, nested.schema(), null);
        }
        if (type instanceof WireType.ListOf list) {
            expect(t, JsonToken.START_ARRAY);
            List<Object> items = new ArrayList<>();
            while (p.nextToken() != JsonToken.END_ARRAY) {
                if (p.currentToken() == null) {
                    throw new NorcException(ErrorCode.TRUNCATED, "JSON ends early");
                }
                if (items.size() == limits.maxCollectionCount()) {
                    throw new NorcException(ErrorCode.LIMIT_EXCEEDED, "list over " + limits.maxCollectionCount());
                }
                items.add(readValue(p, list.element()));
            }
            return Collections.unmodifiableList(items);
        }
        if (type instanceof WireType.MapOf map) {
            expect(t, JsonToken.START_OBJECT);
            Map<Object, Object> entries = new LinkedHashMap<>();
            String previous = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                if (previous != null && compareCodePoints(previous, key) >= 0) {
                    throw new NorcException(ErrorCode.NON_CANONICAL, "map keys unsorted or duplicated");
                }
                previous = key;
                if (entries.size() == limits.maxCollectionCount()) {
                    throw new NorcException(ErrorCode.LIMIT_EXCEEDED, "map over " + limits.maxCollectionCount());
                }
                Object k = parseKey(map.key(), text(key));
                if (p.nextToken() == null) {
                    throw new NorcException(ErrorCode.TRUNCATED, "JSON ends early");
                }
                entries.put(k, readValue(p, map.value()));
            }
            expect(p.currentToken(), JsonToken.END_OBJECT);
            return Collections.unmodifiableMap(entries);
        }
        if (type instanceof WireType.FixedBytes fixed) {
            byte[] b = base64(p);
            if (b.length != fixed.size()) {
                throw new NorcException(ErrorCode.INVALID_FIELD, "expected " + fixed.size() + " bytes");
            }
            return b;
        }
        if (type instanceof WireType.EnumAtom atom) {
            Enum<?> constant = atom.byWireName().get(text(string(p)));
            if (constant == null) {
                throw new NorcException(ErrorCode.INVALID_FIELD, "unknown atom");
            }
            return constant;
        }
        return readScalar(p, (WireType.Scalar) type);
    }

    private Object readScalar(JsonParser p, WireType.Scalar scalar) throws IOException {
        return switch (scalar) {
            case U8 -> (int) integer(p, 0, 0xFF);
            case U16 -> (int) integer(p, 0, 0xFFFF);
            case U32 -> integer(p, 0, 0xFFFF_FFFFL);
            case I64 -> integer(p, Long.MIN_VALUE, Long.MAX_VALUE);
            case U64 -> unsigned64(p);
            case BOOL -> {
                JsonToken t = p.currentToken();
                if (t != JsonToken.VALUE_TRUE && t != JsonToken.VALUE_FALSE) {
                    throw new NorcException(ErrorCode.INVALID_FIELD, "expected a boolean");
                }
                yield t == JsonToken.VALUE_TRUE;
            }
            case UUID -> parseUuid(string(p));
            case STRING -> text(string(p));
            case ATOM -> AtomRules.requireAtom(text(string(p)));
            case BYTES -> base64(p);
        };
    }

    private String string(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.VALUE_STRING) {
            throw new NorcException(ErrorCode.INVALID_FIELD, "expected a string");
        }
        return p.getText();
    }

    /**
     * A decoded string value: an unpaired surrogate (reachable through a {@code \\uD800} escape)
     * is {@code INVALID_UTF8}, as it would be in the binary encoding; longer than
     * {@code maxStringBytes} of UTF-8 is {@code LIMIT_EXCEEDED}.
     */
    private String text(String s) {
        int length = Utf8.encodedLength(s);
        if (length < 0) {
            throw new NorcException(ErrorCode.INVALID_UTF8, "unpaired surrogate");
        }
        if (length > limits.maxStringBytes()) {
            throw new NorcException(ErrorCode.LIMIT_EXCEEDED, "string over " + limits.maxStringBytes() + " bytes");
        }
        return s;
    }

    private byte[] base64(JsonParser p) throws IOException {
        String s = string(p);
        if (s.length() > limits.maxMessageBytes() / 3 * 4 + 4) {
            throw new NorcException(ErrorCode.LIMIT_EXCEEDED, "bytes over the limit");
        }
        try {
            return B64_DECODER.decode(s);
        } catch (IllegalArgumentException e) {
            throw new NorcException(ErrorCode.INVALID_FIELD, "invalid base64url");
        }
    }

    private static long integer(JsonParser p, long min, long max) throws IOException {
        if (p.currentToken() != JsonToken.VALUE_NUMBER_INT) {
            throw new NorcException(ErrorCode.INVALID_FIELD, "expected an integer");
        }
        if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            throw new NorcException(ErrorCode.INVALID_FIELD, "integer out of range");
        }
        long v = p.getLongValue();
        if (v < min || v > max) {
            throw new NorcException(ErrorCode.INVALID_FIELD, "integer out of range");
        }
        return v;
    }

    private static long unsigned64(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.VALUE_NUMBER_INT) {
            throw new NorcException(ErrorCode.INVALID_FIELD, "expected an integer");
        }
        BigInteger v = p.getBigIntegerValue();
        if (v.signum() < 0 || v.compareTo(U64_MAX) > 0) {
            throw new NorcException(ErrorCode.INVALID_FIELD, "integer out of range");
        }
        return v.longValue();
    }

    private static Object parseKey(WireType keyType, String key) {
        if (keyType == WireType.Scalar.UUID) {
            return parseUuid(key);
        }
        if (keyType == WireType.Scalar.ATOM) {
            return AtomRules.requireAtom(key);
        }
        return key;
    }

    /** Only the lowercase canonical 36-character form is a UUID here. */
    static UUID parseUuid(String s) {
        if (s.length() != 36) {
            throw new NorcException(ErrorCode.INVALID_FIELD, "invalid uuid");
        }
        for (int i = 0; i < 36; i++) {
            char c = s.charAt(i);
            boolean dash = i == 8 || i == 13 || i == 18 || i == 23;
            if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                throw new NorcException(ErrorCode.INVALID_FIELD, "invalid uuid");
            }
        }
        return UUID.fromString(s);
    }

    /** Orders strings by Unicode code point (not UTF-16 unit), as canonical JSON requires. */
    static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }
}
