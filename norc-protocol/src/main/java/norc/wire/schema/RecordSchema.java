package norc.wire.schema;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.AnnotatedArrayType;
import java.lang.reflect.AnnotatedParameterizedType;
import java.lang.reflect.AnnotatedType;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The field table of one record type, reflected once from its components (the single definition
 * both codecs and {@code PROTOCOL.md} derive from, profile §4.3). Schemas are cached per class.
 */
public final class RecordSchema {
    private static final ClassValue<RecordSchema> CACHE = new ClassValue<>() {
        @Override
        protected RecordSchema computeValue(Class<?> type) {
            return new RecordSchema(type.asSubclass(Record.class));
        }
    };

    private final Class<? extends Record> type;
    private final List<FieldSchema> fields;
    private final Map<String, FieldSchema> byName;
    private final MethodHandle constructor;

    private RecordSchema(Class<? extends Record> type) {
        this.type = type;
        RecordComponent[] components = type.getRecordComponents();
        List<FieldSchema> list = new ArrayList<>(components.length);
        Map<String, FieldSchema> names = new LinkedHashMap<>();
        Class<?>[] parameterTypes = new Class<?>[components.length];
        MethodHandles.Lookup lookup = MethodHandles.publicLookup();
        try {
            for (int i = 0; i < components.length; i++) {
                RecordComponent component = components[i];
                parameterTypes[i] = component.getType();
                String name = snakeCase(component.getName());
                WireType wireType = typeOf(component.getAnnotatedType(), component.getType(), type, name);
                MethodHandle accessor = lookup.unreflect(component.getAccessor())
                        .asType(MethodType.methodType(Object.class, Record.class));
                FieldSchema field = new FieldSchema(name, wireType, accessor);
                list.add(field);
                if (names.put(name, field) != null) {
                    throw new IllegalStateException(type.getName() + ": duplicate wire name " + name);
                }
            }
            this.constructor = lookup.findConstructor(type, MethodType.methodType(void.class, parameterTypes))
                    .asSpreader(Object[].class, components.length)
                    .asType(MethodType.methodType(Object.class, Object[].class));
        } catch (IllegalAccessException | NoSuchMethodException e) {
            throw new IllegalStateException(type.getName() + " must be a public record", e);
        }
        this.fields = Collections.unmodifiableList(list);
        this.byName = Collections.unmodifiableMap(names);
    }

    /** The schema of a record class (computed once, then cached). */
    public static RecordSchema of(Class<? extends Record> type) {
        return CACHE.get(type);
    }

    public Class<? extends Record> type() {
        return type;
    }

    /** Fields in table order: the binary encoding order. */
    public List<FieldSchema> fields() {
        return fields;
    }

    /** The field with this wire name, or {@code null}. */
    public FieldSchema field(String wireName) {
        return byName.get(wireName);
    }

    /** The heading of this record's table in {@code PROTOCOL.md} (its simple Java name). */
    public String tableName() {
        String name = type.getName();
        return name.substring(name.lastIndexOf('.') + 1).replace('$', '.');
    }

    /** Builds an instance from field values given in table order. */
    public Record construct(Object[] values) {
        try {
            return (Record) constructor.invoke(values);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("constructor of " + type.getName() + " failed", t);
        }
    }

    /** {@code messageId} becomes {@code message_id}; {@code e2eSequence} becomes {@code e2e_sequence}. */
    static String snakeCase(String camel) {
        StringBuilder out = new StringBuilder(camel.length() + 4);
        for (int i = 0; i < camel.length(); i++) {
            char c = camel.charAt(i);
            if (Character.isUpperCase(c)) {
                out.append('_').append(Character.toLowerCase(c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static WireType typeOf(AnnotatedType annotated, Class<?> raw, Class<?> owner, String field) {
        String where = owner.getSimpleName() + "." + field;
        if (raw == long.class || raw == Long.class) {
            if (annotated.isAnnotationPresent(Wire.U64.class)) {
                return WireType.Scalar.U64;
            }
            if (annotated.isAnnotationPresent(Wire.U32.class)) {
                return WireType.Scalar.U32;
            }
            return WireType.Scalar.I64;
        }
        if (raw == int.class || raw == Integer.class) {
            if (annotated.isAnnotationPresent(Wire.U8.class)) {
                return WireType.Scalar.U8;
            }
            if (annotated.isAnnotationPresent(Wire.U16.class)) {
                return WireType.Scalar.U16;
            }
            throw new IllegalStateException(where + ": an int needs @U8 or @U16");
        }
        if (raw == boolean.class || raw == Boolean.class) {
            return WireType.Scalar.BOOL;
        }
        if (raw == UUID.class) {
            return WireType.Scalar.UUID;
        }
        if (raw == String.class) {
            return annotated.isAnnotationPresent(Wire.Atom.class) ? WireType.Scalar.ATOM : WireType.Scalar.STRING;
        }
        if (raw == byte[].class) {
            // "@Fixed(32) byte[]" annotates the element type byte, not the array: look at both
            Wire.Fixed fixed = annotated.getAnnotation(Wire.Fixed.class);
            if (fixed == null && annotated instanceof AnnotatedArrayType array) {
                fixed = array.getAnnotatedGenericComponentType().getAnnotation(Wire.Fixed.class);
            }
            return fixed == null ? WireType.Scalar.BYTES : new WireType.FixedBytes(fixed.value());
        }
        if (raw.isEnum() && WireAtom.class.isAssignableFrom(raw)) {
            Map<String, Enum<?>> byName = new LinkedHashMap<>();
            for (Object constant : raw.getEnumConstants()) {
                byName.put(((WireAtom) constant).wireName(), (Enum<?>) constant);
            }
            return new WireType.EnumAtom((Class) raw, Collections.unmodifiableMap(byName));
        }
        if (raw.isRecord()) {
            return new WireType.Nested(of(raw.asSubclass(Record.class)));
        }
        if (raw == List.class || raw == Optional.class || raw == Map.class) {
            if (!(annotated instanceof AnnotatedParameterizedType parameterized)) {
                throw new IllegalStateException(where + ": raw " + raw.getSimpleName());
            }
            AnnotatedType[] args = parameterized.getAnnotatedActualTypeArguments();
            WireType[] argTypes = Arrays.stream(args)
                    .map(arg -> typeOf(arg, rawClass(arg, where), owner, field))
                    .toArray(WireType[]::new);
            if (raw == List.class) {
                return new WireType.ListOf(argTypes[0]);
            }
            if (raw == Optional.class) {
                return new WireType.OptionalOf(argTypes[0]);
            }
            if (argTypes[0] != WireType.Scalar.STRING && argTypes[0] != WireType.Scalar.UUID
                    && argTypes[0] != WireType.Scalar.ATOM) {
                throw new IllegalStateException(where + ": map keys must be string, atom or uuid");
            }
            return new WireType.MapOf(argTypes[0], argTypes[1]);
        }
        throw new IllegalStateException(where + ": no wire mapping for " + raw.getName());
    }

    private static Class<?> rawClass(AnnotatedType annotated, String where) {
        java.lang.reflect.Type t = annotated.getType();
        if (t instanceof Class<?> c) {
            return c;
        }
        if (t instanceof java.lang.reflect.ParameterizedType p) {
            return (Class<?>) p.getRawType();
        }
        throw new IllegalStateException(where + ": unsupported type " + t);
    }
}
