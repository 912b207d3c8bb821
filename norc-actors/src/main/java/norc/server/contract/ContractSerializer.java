package norc.server.contract;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import java.io.IOException;
import java.io.NotSerializableException;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.function.Function;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.serialization.SerializerWithStringManifest;
import org.apache.pekko.serialization.jackson.JacksonObjectMapperProvider;

/**
 * Serializes every {@link Contract} as Jackson CBOR under its {@link ContractNames} name (bound in
 * {@code norc-server.conf}). The object mapper is Pekko's configured one, so actor references in
 * contracts are written as their serialized paths and resolved on the receiving node. A stored
 * value that no longer decodes fails, except where {@link ContractNames#salvageOf} says what it
 * reads as instead (the audit journal's entries).
 */
public final class ContractSerializer extends SerializerWithStringManifest {
    /** Part of every stored row and every remote message: never change it. */
    public static final int IDENTIFIER = 7_311_001;

    private final ObjectMapper mapper;

    public ContractSerializer(ExtendedActorSystem system) {
        this.mapper = JacksonObjectMapperProvider.get(system).getOrCreate("jackson-cbor", Optional.of(new CBORFactory()));
    }

    @Override
    public int identifier() {
        return IDENTIFIER;
    }

    @Override
    public String manifest(Object o) {
        return ContractNames.nameOf(o.getClass());
    }

    @Override
    public byte[] toBinary(Object o) {
        ContractNames.nameOf(o.getClass()); // refuse an unnamed class before writing anything
        try {
            return mapper.writeValueAsBytes(o);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serialize " + o.getClass().getName(), e);
        }
    }

    @Override
    public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
        Class<?> type;
        try {
            type = ContractNames.classOf(manifest);
        } catch (IllegalArgumentException e) {
            throw new NotSerializableException(e.getMessage());
        }
        try {
            return mapper.readValue(bytes, type);
        } catch (IOException e) {
            Function<byte[], Object> salvage = ContractNames.salvageOf(manifest);
            if (salvage != null) {
                return salvage.apply(bytes.clone());
            }
            throw new NotSerializableException("cannot read " + manifest + ": " + e.getMessage());
        }
    }
}
