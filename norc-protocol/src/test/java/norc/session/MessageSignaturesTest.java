package norc.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import java.util.UUID;
import norc.crypto.Ed25519;
import norc.wire.Codec;
import norc.wire.WireEncoding;
import norc.wire.WireLimits;
import norc.wire.message.Atoms.RevocationReason;
import norc.wire.message.AuthRequest;
import norc.wire.message.DeviceRevoke;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Channel binding: an auth signature from one session does not verify in another (profile §5). */
class MessageSignaturesTest {
    static final SecureRandom RANDOM = new SecureRandom();

    @ParameterizedTest
    @EnumSource(WireEncoding.class)
    void authSignaturesAreBoundToTheirSession(WireEncoding encoding) {
        Codec codec = encoding.codec(WireLimits.DEFAULT);
        Ed25519.KeyPair device = Ed25519.generate(RANDOM);
        byte[] th1 = new byte[32];
        byte[] th2 = new byte[32];
        RANDOM.nextBytes(th1);
        RANDOM.nextBytes(th2);
        AuthRequest unsigned = new AuthRequest("alice@a.example", UUID.randomUUID(), 1_700_000_000_000_000L, new byte[64]);
        byte[] sig = MessageSignatures.AUTH.sign(device.secretKey(), th1, codec, unsigned);
        AuthRequest signed = new AuthRequest(unsigned.userId(), unsigned.deviceId(), unsigned.timestamp(), sig);

        assertThat(MessageSignatures.of(signed).verify(device.publicKey(), sig, th1, codec, signed)).isTrue();
        assertThat(MessageSignatures.AUTH.verify(device.publicKey(), sig, th2, codec, signed)).as("other session").isFalse();
        AuthRequest otherTime = new AuthRequest(signed.userId(), signed.deviceId(), signed.timestamp() + 1, sig);
        assertThat(MessageSignatures.AUTH.verify(device.publicKey(), sig, th1, codec, otherTime)).as("other field").isFalse();
        assertThat(MessageSignatures.REGISTER.verify(device.publicKey(), sig, th1, codec, signed)).as("other label").isFalse();
    }

    @ParameterizedTest
    @EnumSource(WireEncoding.class)
    void revocationsVerifyOutsideTheirSession(WireEncoding encoding) {
        Codec codec = encoding.codec(WireLimits.DEFAULT);
        Ed25519.KeyPair device = Ed25519.generate(RANDOM);
        DeviceRevoke unsigned = new DeviceRevoke("alice@a.example", UUID.randomUUID(), RevocationReason.LOST, 5,
                UUID.randomUUID(), new byte[64]);
        byte[] sig = MessageSignatures.REVOKE.sign(device.secretKey(), null, codec, unsigned);
        assertThat(MessageSignatures.REVOKE.verify(device.publicKey(), sig, null, codec, unsigned)).isTrue();
    }
}
