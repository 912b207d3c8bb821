package norc.server.storage;

import org.apache.pekko.serialization.JSerializer;

/**
 * Writes a {@link Sealed} row as the seal's own bytes, so the payload column starts with the seal's
 * version and key id ({@link StorageSeal#keyIdOf}) and carries no framing of its own.
 */
public final class SealedSerializer extends JSerializer {
    /** Part of every sealed row: never change it. */
    public static final int IDENTIFIER = 7_311_002;

    @Override
    public int identifier() {
        return IDENTIFIER;
    }

    @Override
    public boolean includeManifest() {
        return false;
    }

    @Override
    public byte[] toBinary(Object o) {
        return ((Sealed) o).value();
    }

    @Override
    public Object fromBinaryJava(byte[] bytes, Class<?> manifest) {
        return new Sealed(bytes);
    }
}
