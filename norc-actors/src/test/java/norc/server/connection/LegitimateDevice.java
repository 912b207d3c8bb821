package norc.server.connection;

import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import norc.crypto.Ed25519;
import norc.crypto.X25519;
import norc.server.user.api.DeviceRecord;
import norc.session.MessageSignatures;
import norc.wire.Codec;
import norc.wire.message.AuthRequest;
import norc.wire.message.DeviceRegister;
import norc.wire.message.DeviceRevoke;
import norc.wire.message.NorcMessage;

/**
 * The one registered device of the fuzzed connections, with fixed keys, and a second device of the
 * same user that is revoked. It signs what a client signs (profile §5: label, {@code th}, the message
 * without its signature), as {@code NorcClient} does, so that fuzzed messages can get past the
 * signature checks into the registration and authentication logic.
 */
final class LegitimateDevice {
    static final String SERVER_ID = "a.example";
    static final String USER_ID = "alice@" + SERVER_ID;
    static final UUID DEVICE_ID = UUID.fromString("0d0e0f10-1112-4314-9516-1718191a1b1c");
    static final UUID REVOKED_DEVICE_ID = UUID.fromString("2d2e2f30-3132-4334-b536-3738393a3b3c");
    static final DeviceRegister.DeviceInfo INFO = new DeviceRegister.DeviceInfo("fuzz", "cli", List.of("messaging", "e2ee"));

    private static final byte[] SIGNING_SECRET = filled(32, 0x61);
    static final byte[] SIGNING_PUBLIC = Ed25519.publicKeyOf(SIGNING_SECRET);
    static final byte[] KEX_PUBLIC = X25519.publicKeyOf(filled(32, 0x62));

    private LegitimateDevice() {}

    /** Its key expires in 2100 (the user entity always sets an expiry). */
    static final long EXPIRES_AT = 4_102_444_800L;

    static DeviceRecord record() {
        return new DeviceRecord(DEVICE_ID, SIGNING_PUBLIC, KEX_PUBLIC, INFO.name(), INFO.type(), 1, 0).expiringAt(EXPIRES_AT);
    }

    static DeviceRecord revokedRecord() {
        return new DeviceRecord(REVOKED_DEVICE_ID, SIGNING_PUBLIC, KEX_PUBLIC, INFO.name(), INFO.type(), 1, 2).expiringAt(EXPIRES_AT);
    }

    /** {@code auth_request} for this device, bound to the session's transcript hash. */
    static AuthRequest authRequest(byte[] transcriptHash, Codec codec, long timestampMicros) {
        AuthRequest unsigned = new AuthRequest(USER_ID, DEVICE_ID, timestampMicros, new byte[64]);
        byte[] signature = sign(MessageSignatures.AUTH, unsigned, transcriptHash, codec);
        return new AuthRequest(unsigned.userId(), unsigned.deviceId(), unsigned.timestamp(), signature);
    }

    /**
     * {@code message} signed by this device: a {@code device_register} also gets this device's
     * signing key, an {@code auth_request}'s timestamp becomes {@code now + timestamp}; any other
     * type is returned as it is.
     */
    static NorcMessage signed(NorcMessage message, byte[] transcriptHash, Codec codec, long nowMicros) {
        if (message instanceof DeviceRegister r) {
            DeviceRegister unsigned = new DeviceRegister(r.deviceId(), r.userId(), SIGNING_PUBLIC, r.kexPublicKey(),
                    r.deviceInfo(), r.enrollmentToken(), r.proofOfWork(), new byte[64]);
            byte[] signature = sign(MessageSignatures.REGISTER, unsigned, transcriptHash, codec);
            return new DeviceRegister(r.deviceId(), r.userId(), SIGNING_PUBLIC, r.kexPublicKey(), r.deviceInfo(),
                    r.enrollmentToken(), r.proofOfWork(), signature);
        }
        if (message instanceof AuthRequest a) {
            AuthRequest unsigned = new AuthRequest(a.userId(), a.deviceId(), saturatedAdd(nowMicros, a.timestamp()), new byte[64]);
            byte[] signature = sign(MessageSignatures.AUTH, unsigned, transcriptHash, codec);
            return new AuthRequest(unsigned.userId(), unsigned.deviceId(), unsigned.timestamp(), signature);
        }
        if (message instanceof DeviceRevoke v) {
            DeviceRevoke unsigned = new DeviceRevoke(v.userId(), v.deviceId(), v.reason(), v.effectiveAt(), v.revokedBy(),
                    new byte[64]);
            byte[] signature = sign(MessageSignatures.REVOKE, unsigned, transcriptHash, codec);
            return new DeviceRevoke(v.userId(), v.deviceId(), v.reason(), v.effectiveAt(), v.revokedBy(), signature);
        }
        return message;
    }

    private static byte[] sign(MessageSignatures scheme, NorcMessage unsigned, byte[] transcriptHash, Codec codec) {
        return scheme.sign(SIGNING_SECRET, transcriptHash, codec, unsigned);
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? (b < 0 ? Long.MIN_VALUE : Long.MAX_VALUE) : sum;
    }

    static byte[] filled(int n, int value) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) value);
        return b;
    }
}
