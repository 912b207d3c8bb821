package norc.server.storage;

/**
 * A journal event or snapshot as stored: {@link StorageSeal#seal sealed} bytes holding the value's
 * serializer id, manifest and bytes, written as they are by {@link SealedSerializer}. Only the seal
 * opens it.
 */
public record Sealed(byte[] value) {
    @Override
    public String toString() {
        return "Sealed[" + value.length + " bytes]";
    }
}
