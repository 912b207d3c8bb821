package norc.session;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import norc.crypto.Bytes;
import norc.crypto.Ed25519;
import norc.wire.message.DeviceKeyRotate;

/**
 * The two signatures of {@code device_key_rotate} (groups profile C), not bound to a session:
 * <pre>
 * body          = u32(len(user_id)) || user_id || old_device_id || new_device_id || public_key || kex_public_key || i64(timestamp)
 * old_signature = Ed25519(old sk, "norc:rotate:v1" || body)
 * new_signature = Ed25519(new sk, "norc:rotate-pop:v1" || body)     (proof of possession)
 * </pre>
 * The keys enter {@code body} as their raw 32 bytes.
 */
public final class DeviceRotation {
    public static final String OLD_LABEL = "norc:rotate:v1";
    public static final String NEW_LABEL = "norc:rotate-pop:v1";

    private DeviceRotation() {
    }

    public static byte[] body(String userId, UUID oldDeviceId, UUID newDeviceId, byte[] publicKey, byte[] kexPublicKey,
                              long timestamp) {
        byte[] user = userId.getBytes(StandardCharsets.UTF_8);
        return Bytes.concat(Bytes.u32(user.length), user, Bytes.uuidBytes(oldDeviceId), Bytes.uuidBytes(newDeviceId),
                publicKey, kexPublicKey, Bytes.u64(timestamp));
    }

    public static byte[] body(DeviceKeyRotate rotate) {
        return body(rotate.userId(), rotate.oldDeviceId(), rotate.newDeviceId(), rotate.publicKey(), rotate.kexPublicKey(),
                rotate.timestamp());
    }

    /** A rotation from the old device to its successor, signed by both keys. */
    public static DeviceKeyRotate sign(byte[] oldSecretKey, byte[] newSecretKey, String userId, UUID oldDeviceId,
                                       UUID newDeviceId, byte[] newKexPublicKey, long timestamp) {
        byte[] newPublicKey = Ed25519.publicKeyOf(newSecretKey);
        byte[] body = body(userId, oldDeviceId, newDeviceId, newPublicKey, newKexPublicKey, timestamp);
        return new DeviceKeyRotate(userId, oldDeviceId, newDeviceId, newPublicKey, newKexPublicKey, timestamp,
                Ed25519.sign(oldSecretKey, OLD_LABEL.getBytes(StandardCharsets.US_ASCII), body),
                Ed25519.sign(newSecretKey, NEW_LABEL.getBytes(StandardCharsets.US_ASCII), body));
    }

    /** Both signatures: the old device's key over the body, and the new key's proof of possession. */
    public static boolean verify(byte[] oldPublicKey, DeviceKeyRotate rotate) {
        byte[] body = body(rotate);
        return Ed25519.verify(oldPublicKey, rotate.oldSignature(), OLD_LABEL.getBytes(StandardCharsets.US_ASCII), body)
                && Ed25519.verify(rotate.publicKey(), rotate.newSignature(), NEW_LABEL.getBytes(StandardCharsets.US_ASCII), body);
    }
}
