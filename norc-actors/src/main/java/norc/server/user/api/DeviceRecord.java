package norc.server.user.api;

import java.util.UUID;
import norc.server.contract.Contract;
import norc.wire.message.KeyResponse;

/**
 * A registered device as its user's directory holds it: public keys only (spec §3.2.1, profile §5).
 * {@code registeredAt}/{@code revokedAt} are epoch milliseconds; {@code revokedAt = 0} while active.
 */
public record DeviceRecord(UUID deviceId, byte[] publicKey, byte[] kexPublicKey, String name, String type,
                           long registeredAt, long revokedAt) implements Contract {

    public boolean revoked() {
        return revokedAt != 0;
    }

    public DeviceRecord revokedAt(long at) {
        return new DeviceRecord(deviceId, publicKey, kexPublicKey, name, type, registeredAt, at);
    }

    /** The {@code key_response} entry; keys do not expire ({@code 0}), the server vouches for them. */
    public KeyResponse.DeviceKey publicKeys() {
        return new KeyResponse.DeviceKey(publicKey, kexPublicKey, "ed25519", 0, true);
    }

    @Override
    public String toString() {
        return "DeviceRecord[" + deviceId + (revoked() ? ", revoked" : "") + "]"; // no keys, no name
    }
}
