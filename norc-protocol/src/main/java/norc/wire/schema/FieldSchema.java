package norc.wire.schema;

import java.lang.invoke.MethodHandle;

/**
 * One row of a message's field table: its wire name (the record component's name in snake_case),
 * its {@link WireType}, and the accessor the codecs read it with.
 */
public record FieldSchema(String name, WireType type, MethodHandle accessor) {

    /** Reads this field from a record instance. */
    public Object read(Record instance) {
        try {
            return accessor.invoke(instance);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("accessor of " + name + " failed", t);
        }
    }
}
