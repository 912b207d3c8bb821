package norc.wire.schema;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Annotations that refine how a record component maps to the wire (profile §4.3). A record's
 * components, in declaration order, are the message's field table; these annotations are the only
 * other input to both codecs and to the field tables in {@code PROTOCOL.md}.
 *
 * <p>Unannotated mappings: {@code long} is {@code i64}, {@code boolean} is {@code bool},
 * {@code java.util.UUID} is {@code uuid}, {@code String} is {@code string}, {@code byte[]} is
 * {@code bytes}, an enum implementing {@link WireAtom} is {@code atom}, {@code List} is
 * {@code list}, {@code Map} is {@code map}, {@code Optional} is {@code optional}, and a nested
 * record is inlined. An {@code int} must carry {@link U8} or {@link U16}; a {@code long} may carry
 * {@link U32} or {@link U64}.
 */
public final class Wire {
    private Wire() {}

    /** An unsigned 8-bit integer held in an {@code int}. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target({ElementType.RECORD_COMPONENT, ElementType.TYPE_USE})
    public @interface U8 {}

    /** An unsigned 16-bit integer held in an {@code int}. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target({ElementType.RECORD_COMPONENT, ElementType.TYPE_USE})
    public @interface U16 {}

    /** An unsigned 32-bit integer held in a {@code long}. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target({ElementType.RECORD_COMPONENT, ElementType.TYPE_USE})
    public @interface U32 {}

    /** An unsigned 64-bit integer held in a {@code long} (read it with {@code Long.toUnsignedString}). */
    @Retention(RetentionPolicy.RUNTIME)
    @Target({ElementType.RECORD_COMPONENT, ElementType.TYPE_USE})
    public @interface U64 {}

    /** A {@code string} whose value is an atom: lowercase ASCII letters, digits and underscores. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target({ElementType.RECORD_COMPONENT, ElementType.TYPE_USE})
    public @interface Atom {}

    /** {@code bytes} of exactly this many bytes, e.g. a 32-byte public key. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target({ElementType.RECORD_COMPONENT, ElementType.TYPE_USE})
    public @interface Fixed {
        int value();
    }
}
