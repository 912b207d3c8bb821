package norc.wire.schema;

/**
 * An enum whose constants travel as atoms. The wire name is the constant's name in lower case;
 * a decoder that meets any other value rejects the message with {@code INVALID_FIELD}.
 */
public interface WireAtom {
    String name();

    default String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
