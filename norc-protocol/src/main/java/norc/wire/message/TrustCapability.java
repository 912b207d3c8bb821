package norc.wire.message;

import java.util.List;
import norc.wire.message.Atoms.TrustLevel;
import norc.wire.message.Atoms.ValidationMethod;
import norc.wire.schema.Wire.Fixed;

/** {@code trust_capability} (0x9F): the NORC-T versions, levels and methods a server supports. */
public record TrustCapability(
        String serverId,
        List<String> versions,
        List<TrustLevel> trustLevels,
        List<ValidationMethod> validationMethods,
        long timestamp,
        @Fixed(64) byte[] signature) implements TrustMessage {}
