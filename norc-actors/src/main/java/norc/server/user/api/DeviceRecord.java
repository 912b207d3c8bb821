package norc.server.user.api;

import java.util.UUID;
import norc.server.contract.Contract;
import norc.wire.message.KeyResponse;

/**
 * A registered device as its user's directory holds it: public keys only (spec §3.2.1, profile §5).
 * {@code registeredAt}/{@code revokedAt} are epoch milliseconds; {@code revokedAt = 0} while active.
 * {@code expiresAt} (epoch seconds, groups profile C) ends the key's validity: {@code 0} only in
 * records journalled before keys expired, which the user entity reads as registration + the
 * configured lifetime. {@code successor}: the device id it was rotated to, or {@code null}.
 */
public record DeviceRecord(UUID deviceId, byte[] publicKey, byte[] kexPublicKey, String name, String type,
                           long registeredAt, long revokedAt, long expiresAt, UUID successor) implements Contract {

    /** A record without an expiry yet (the user entity sets it when it stores the device). */
    public DeviceRecord(UUID deviceId, byte[] publicKey, byte[] kexPublicKey, String name, String type,
                        long registeredAt, long revokedAt) {
        this(deviceId, publicKey, kexPublicKey, name, type, registeredAt, revokedAt, 0, null);
    }

    public boolean revoked() {
        return revokedAt != 0;
    }

    /** Not revoked and not expired at {@code nowSeconds}: it authenticates, has keys, receives. */
    public boolean active(long nowSeconds) {
        return !revoked() && expiresAt > nowSeconds;
    }

    public boolean expired(long nowSeconds) {
        return expiresAt <= nowSeconds;
    }

    public DeviceRecord revokedAt(long at) {
        return new DeviceRecord(deviceId, publicKey, kexPublicKey, name, type, registeredAt, at, expiresAt, successor);
    }

    public DeviceRecord expiringAt(long seconds) {
        return new DeviceRecord(deviceId, publicKey, kexPublicKey, name, type, registeredAt, revokedAt, seconds, successor);
    }

    /** This device rotated to {@code next}, its key valid until {@code seconds}. */
    public DeviceRecord rotatedTo(UUID next, long seconds) {
        return new DeviceRecord(deviceId, publicKey, kexPublicKey, name, type, registeredAt, revokedAt, seconds, next);
    }

    /** The {@code key_response} entry: the server vouches for the key until {@code expires_at}. */
    public KeyResponse.DeviceKey publicKeys() {
        return new KeyResponse.DeviceKey(publicKey, kexPublicKey, "ed25519", expiresAt, true);
    }

    @Override
    public String toString() {
        return "DeviceRecord[" + deviceId + (revoked() ? ", revoked" : "") + "]"; // no keys, no name
    }
}
