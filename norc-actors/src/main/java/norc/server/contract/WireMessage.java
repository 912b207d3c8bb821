package norc.server.contract;

import norc.wire.Codec;
import norc.wire.WireEncoding;
import norc.wire.WireLimits;
import norc.wire.message.NorcMessage;

/**
 * A NORC message carried between actors in the profile's binary encoding (a message's header and
 * payload), so that a contract holds bytes with a published format rather than a sealed interface
 * Jackson could only encode with type information of its own. The receiving connection decodes it
 * and seals it in its session's encoding.
 */
public record WireMessage(byte[] binary) implements Contract {
    private static final Codec BINARY = WireEncoding.BINARY.codec(WireLimits.DEFAULT);

    public static WireMessage of(NorcMessage message) {
        return new WireMessage(BINARY.encodeMessage(message));
    }

    public NorcMessage decode() {
        return BINARY.decodeMessage(binary);
    }

    @Override
    public String toString() {
        return "WireMessage[" + binary.length + " bytes]"; // never the content
    }
}
