package norc.federation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import norc.crypto.Bytes;
import norc.wire.schema.FieldSchema;
import norc.wire.schema.RecordSchema;
import norc.wire.schema.WireType;

/**
 * Loads {@code norc-vectors-2.json} and turns a vector's {@code fields} view into a record, driven
 * by the record's own {@link RecordSchema}: bytes are hex, uuids canonical strings, maps in encoded-key
 * order, {@code null} an absent optional. The view must name exactly the record's fields in table
 * order, so a record whose field table disagrees with the vectors fails here, not in a hex diff.
 */
public final class FieldsView {
    private static final JsonNode ROOT = load("norc-vectors-2.json");

    private FieldsView() {
    }

    /** A top-level section of {@code norc-vectors-2.json}. */
    public static JsonNode section(String name) {
        JsonNode node = ROOT.get(name);
        if (node == null) {
            throw new IllegalStateException("norc-vectors-2.json has no section " + name);
        }
        return node;
    }

    /** The bytes of a hex member. */
    public static byte[] hex(JsonNode node, String member) {
        JsonNode value = node.get(member);
        if (value == null || !value.isTextual()) {
            throw new IllegalStateException("vector has no hex member " + member);
        }
        return Bytes.unhex(value.asText());
    }

    /** The record of type {@code type} that {@code fields} shows. */
    public static <T> T record(Class<T> type, JsonNode fields) {
        return type.cast(record(RecordSchema.of(type.asSubclass(Record.class)), fields, type.getSimpleName()));
    }

    private static Record record(RecordSchema schema, JsonNode fields, String where) {
        List<String> names = new ArrayList<>();
        fields.fieldNames().forEachRemaining(names::add);
        List<String> expected = schema.fields().stream().map(FieldSchema::name).toList();
        if (!names.equals(expected)) {
            throw new AssertionError(where + ": vector fields " + names + " but record table " + expected);
        }
        Object[] values = new Object[expected.size()];
        for (int i = 0; i < values.length; i++) {
            FieldSchema field = schema.fields().get(i);
            values[i] = value(field.type(), fields.get(field.name()), where + "." + field.name());
        }
        return schema.construct(values);
    }

    private static Object value(WireType type, JsonNode node, String where) {
        if (type instanceof WireType.OptionalOf optional) {
            return node == null || node.isNull() ? Optional.empty() : Optional.of(value(optional.inner(), node, where));
        }
        if (node == null || node.isNull()) {
            throw new AssertionError(where + ": required field is null");
        }
        if (type instanceof WireType.Scalar scalar) {
            return switch (scalar) {
                case U8, U16 -> node.intValue();
                case U32, U64, I64 -> node.longValue();
                case BOOL -> node.booleanValue();
                case UUID -> UUID.fromString(node.textValue());
                case STRING, ATOM -> node.textValue();
                case BYTES -> Bytes.unhex(node.textValue());
            };
        }
        if (type instanceof WireType.FixedBytes) {
            return Bytes.unhex(node.textValue());
        }
        if (type instanceof WireType.EnumAtom atom) {
            Enum<?> constant = atom.byWireName().get(node.textValue());
            if (constant == null) {
                throw new AssertionError(where + ": unknown atom " + node);
            }
            return constant;
        }
        if (type instanceof WireType.ListOf list) {
            List<Object> items = new ArrayList<>();
            for (JsonNode item : node) {
                items.add(value(list.element(), item, where + "[]"));
            }
            return List.copyOf(items);
        }
        if (type instanceof WireType.MapOf map) {
            Map<Object, Object> entries = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                Object key = map.key() == WireType.Scalar.UUID ? UUID.fromString(e.getKey()) : e.getKey();
                entries.put(key, value(map.value(), e.getValue(), where + "{" + e.getKey() + "}"));
            }
            return entries;
        }
        WireType.Nested nested = (WireType.Nested) type;
        return record(nested.schema(), node, where);
    }

    private static JsonNode load(String name) {
        try (InputStream in = FieldsView.class.getResourceAsStream("/vectors/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource /vectors/" + name);
            }
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
