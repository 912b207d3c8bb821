package norc.wire.schema;

import java.util.Map;

/**
 * The type of one field on the wire (profile §4.3), derived from a record component by
 * {@link RecordSchema}. Each variant knows how it is written in {@code PROTOCOL.md} and the least
 * number of bytes its binary encoding can take, which lets a decoder reject an impossible count
 * before allocating for it.
 */
public sealed interface WireType {

    /** The notation used in {@code PROTOCOL.md}, e.g. {@code bytes(32)} or {@code list<uuid>}. */
    String describe();

    /** The smallest binary encoding of a value of this type, in bytes. */
    int minEncodedSize();

    /** Scalar kinds with a fixed Java carrier. */
    enum Scalar implements WireType {
        U8("u8", 1), U16("u16", 2), U32("u32", 4), U64("u64", 8), I64("i64", 8), BOOL("bool", 1),
        UUID("uuid", 16), STRING("string", 4), ATOM("atom", 4), BYTES("bytes", 4);

        private final String notation;
        private final int minSize;

        Scalar(String notation, int minSize) {
            this.notation = notation;
            this.minSize = minSize;
        }

        @Override
        public String describe() {
            return notation;
        }

        @Override
        public int minEncodedSize() {
            return minSize;
        }
    }

    /** {@code bytes} whose length must be exactly {@code size}. */
    record FixedBytes(int size) implements WireType {
        @Override
        public String describe() {
            return "bytes(" + size + ")";
        }

        @Override
        public int minEncodedSize() {
            return 4 + size;
        }
    }

    /** An atom restricted to the constants of an enum implementing {@link WireAtom}. */
    record EnumAtom(Class<? extends Enum<?>> enumType, Map<String, Enum<?>> byWireName) implements WireType {
        @Override
        public String describe() {
            return "atom(" + String.join("|", byWireName.keySet()) + ")";
        }

        @Override
        public int minEncodedSize() {
            return 5;
        }
    }

    record ListOf(WireType element) implements WireType {
        @Override
        public String describe() {
            return "list<" + element.describe() + ">";
        }

        @Override
        public int minEncodedSize() {
            return 4;
        }
    }

    record MapOf(WireType key, WireType value) implements WireType {
        @Override
        public String describe() {
            return "map<" + key.describe() + ", " + value.describe() + ">";
        }

        @Override
        public int minEncodedSize() {
            return 4;
        }
    }

    record OptionalOf(WireType inner) implements WireType {
        @Override
        public String describe() {
            return "optional<" + inner.describe() + ">";
        }

        @Override
        public int minEncodedSize() {
            return 1;
        }
    }

    /** A nested record, encoded inline. */
    record Nested(RecordSchema schema) implements WireType {
        @Override
        public String describe() {
            return schema.tableName();
        }

        @Override
        public int minEncodedSize() {
            int sum = 0;
            for (FieldSchema field : schema.fields()) {
                sum += field.type().minEncodedSize();
            }
            return sum;
        }
    }
}
