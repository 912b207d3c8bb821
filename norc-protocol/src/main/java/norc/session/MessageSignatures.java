package norc.session;

import java.nio.charset.StandardCharsets;
import norc.crypto.Ed25519;
import norc.wire.Codec;
import norc.wire.message.AuthRequest;
import norc.wire.message.DeviceRegister;
import norc.wire.message.DeviceRevoke;
import norc.wire.message.NorcMessage;
import norc.wire.message.TimeSync;

/**
 * Ed25519 signatures over {@code label || [th ||] canon(message \ signature)} (profile §5).
 * Binding {@code device_register}, {@code auth_request} and {@code time_sync} to the session's
 * transcript hash {@code th} makes them channel-bound: a signature captured in one session is
 * worthless in another, with no extra challenge round trip. {@code device_revoke} is not
 * channel-bound, because it must stay verifiable after the session that carried it is gone.
 * {@code canon(m \ f)} is {@link Codec#encodeMessageWithout} in the session's encoding, always with
 * the native (2.x) type code.
 */
public enum MessageSignatures {
    REGISTER("norc:register:v1", true),
    AUTH("norc:auth:v1", true),
    TIME_SYNC("norc:time:v1", true),
    REVOKE("norc:revoke:v1", false);

    /** The field every signed NORC-C message calls its signature. */
    public static final String SIGNATURE_FIELD = "signature";

    private final byte[] label;
    private final boolean channelBound;

    MessageSignatures(String label, boolean channelBound) {
        this.label = label.getBytes(StandardCharsets.US_ASCII);
        this.channelBound = channelBound;
    }

    /** The signature to put into {@code message} (whose own signature field is ignored). */
    public byte[] sign(byte[] secretKey, byte[] transcriptHash, Codec codec, NorcMessage message) {
        return Ed25519.sign(secretKey, label, binding(transcriptHash), codec.encodeMessageWithout(message, SIGNATURE_FIELD));
    }

    /** Whether {@code signature} by {@code publicKey} covers {@code message} in this session. */
    public boolean verify(byte[] publicKey, byte[] signature, byte[] transcriptHash, Codec codec, NorcMessage message) {
        return Ed25519.verify(publicKey, signature, label, binding(transcriptHash),
                codec.encodeMessageWithout(message, SIGNATURE_FIELD));
    }

    /** The signature scheme of a signed NORC-C message type. */
    public static MessageSignatures of(NorcMessage message) {
        if (message instanceof DeviceRegister) {
            return REGISTER;
        }
        if (message instanceof AuthRequest) {
            return AUTH;
        }
        if (message instanceof TimeSync) {
            return TIME_SYNC;
        }
        if (message instanceof DeviceRevoke) {
            return REVOKE;
        }
        throw new IllegalArgumentException("no signature scheme for " + message.messageType().wireName());
    }

    private byte[] binding(byte[] transcriptHash) {
        if (!channelBound) {
            return new byte[0];
        }
        if (transcriptHash == null || transcriptHash.length != 32) {
            throw new IllegalArgumentException("a channel-bound signature needs the 32-byte transcript hash");
        }
        return transcriptHash;
    }
}
