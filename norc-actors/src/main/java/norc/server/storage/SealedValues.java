package norc.server.storage;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;

/**
 * Turns a value into a {@link Sealed} one for one persistence id and back, through the value's own
 * serializer: the sealed plaintext is {@code serializer id (4) || manifest length (2) || manifest ||
 * bytes}. A value read back that is not sealed (a row written before sealing) is returned as it is.
 */
final class SealedValues {
    private final StorageSeal seal;
    private final Serialization serialization;
    private final String persistenceId;

    SealedValues(StorageSeal seal, ActorSystem<?> system, String persistenceId) {
        this.seal = seal;
        this.serialization = SerializationExtension.get(system);
        this.persistenceId = persistenceId;
    }

    Sealed seal(Object value) {
        Serializer serializer = serialization.findSerializerFor(value);
        byte[] manifest = Serializers.manifestFor(serializer, value).getBytes(StandardCharsets.UTF_8);
        byte[] bytes = serializer.toBinary(value);
        ByteBuffer plain = ByteBuffer.allocate(4 + 2 + manifest.length + bytes.length);
        plain.putInt(serializer.identifier()).putShort((short) manifest.length).put(manifest).put(bytes);
        return new Sealed(seal.seal(plain.array(), persistenceId));
    }

    Object open(Object stored) {
        if (!(stored instanceof Sealed sealed)) {
            return stored;
        }
        ByteBuffer plain = ByteBuffer.wrap(seal.open(sealed.value(), persistenceId));
        int serializerId = plain.getInt();
        byte[] manifest = new byte[Short.toUnsignedInt(plain.getShort())];
        plain.get(manifest);
        byte[] bytes = new byte[plain.remaining()];
        plain.get(bytes);
        return serialization.deserialize(bytes, serializerId, new String(manifest, StandardCharsets.UTF_8)).get();
    }
}
