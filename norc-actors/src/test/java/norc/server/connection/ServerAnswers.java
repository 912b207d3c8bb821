package norc.server.connection;

import java.util.Optional;
import java.util.Set;
import norc.error.ErrorCode;
import norc.error.NorcException;
import norc.session.JsonFrame;
import norc.session.ReceiveSession;
import norc.wire.Codec;
import norc.wire.FrameHeader;
import norc.wire.JsonCodec;
import norc.wire.ProtocolVersion;
import norc.wire.WireEncoding;
import norc.wire.message.ConnectionAccepted;
import norc.wire.message.ErrorMessage;
import norc.wire.message.NorcMessage;

/**
 * The fuzz contract for what the server writes: every message is a well-formed message of its
 * phase, and every {@code error} is one of the profile's table (PROTOCOL.md "Error codes": a known
 * code, its category, its generic text, no detail but a {@code message_id}). Before keys exist
 * that is a plain {@code connection_accepted} (once) or {@code error}; after the legitimate
 * client's handshake, a frame that its {@link ReceiveSession} accepts; after a handshake of the
 * fuzzer's, whose keys nobody here knows, a frame header of the negotiated version.
 */
final class ServerAnswers {

    /** One message the server wrote, and what it said when this side can read it. */
    record Written(byte[] bytes, Optional<NorcMessage> message) {}

    private static final Set<String> DETAIL_KEYS = Set.of("message_id");

    private final Codec codec;
    private ClientSealer client;
    /** The version of a session whose keys are unknown here; null before {@code connection_accepted}. */
    private ProtocolVersion sealedVersion;

    ServerAnswers(Codec codec) {
        this.codec = codec;
    }

    /** From now on the server's frames are opened with the legitimate client's keys. */
    void keysKnown(ClientSealer sealer) {
        this.client = sealer;
    }

    Written check(byte[] written) {
        if (client != null) {
            return new Written(written, Optional.of(checked(open(written))));
        }
        if (sealedVersion != null) {
            checkHeader(written);
            return new Written(written, Optional.empty());
        }
        NorcMessage message = decodePlain(written);
        if (message instanceof ConnectionAccepted accepted) {
            sealedVersion = ProtocolVersion.parse(accepted.negotiatedVersion());
            return new Written(written, Optional.of(message));
        }
        if (!(message instanceof ErrorMessage)) {
            throw new AssertionError("before keys exist the server answered " + message.messageType().wireName());
        }
        return new Written(written, Optional.of(checked(message)));
    }

    private NorcMessage open(byte[] frame) {
        ReceiveSession.Received received;
        try {
            received = client.open(frame);
        } catch (NorcException e) {
            throw new AssertionError("a frame from the server that the client refuses: " + e.code(), e);
        }
        if (!(received instanceof ReceiveSession.Accepted accepted)) {
            throw new AssertionError("a frame from the server that the client discards: " + received);
        }
        return accepted.message();
    }

    private NorcMessage decodePlain(byte[] written) {
        try {
            return codec.decodeMessage(written);
        } catch (NorcException e) {
            throw new AssertionError("a plain message from the server that does not decode: " + e.code(), e);
        }
    }

    private void checkHeader(byte[] frame) {
        try {
            if (codec.encoding() == WireEncoding.BINARY) {
                FrameHeader.parse(frame, sealedVersion.major(), sealedVersion.minor());
            } else if (!sealedVersion.toString().equals(((JsonCodec) codec).decodeRecord(JsonFrame.class, null, frame).v())) {
                throw new AssertionError("a JSON frame from the server with another version than negotiated");
            }
        } catch (NorcException e) {
            throw new AssertionError("a frame from the server whose header does not parse: " + e.code(), e);
        }
    }

    private static NorcMessage checked(NorcMessage message) {
        if (message instanceof ErrorMessage error) {
            ErrorCode code = ErrorCode.ofCode(error.errorCode());
            if (code == null) {
                throw new AssertionError("an error code outside the profile's table: " + error.errorCode());
            }
            if (!code.category().atom().equals(error.errorCategory()) || !code.genericMessage().equals(error.message())) {
                throw new AssertionError("error " + code.code() + " with another category or text than the table's");
            }
            if (!DETAIL_KEYS.containsAll(error.details().keySet())) {
                throw new AssertionError("error " + code.code() + " with details beyond message_id: " + error.details().keySet());
            }
        }
        return message;
    }
}
