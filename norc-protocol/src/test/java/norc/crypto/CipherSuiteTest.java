package norc.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CipherSuiteTest {

    @Test
    void codesIdsAndAeads() {
        assertThat(CipherSuite.S0001.code()).isEqualTo("0001");
        assertThat(CipherSuite.S0001.id()).isEqualTo(0x0001);
        assertThat(CipherSuite.S0001.aead()).isSameAs(ChaCha20Poly1305.INSTANCE);
        assertThat(CipherSuite.S0001.hybridPq()).isFalse();

        assertThat(CipherSuite.S0101.code()).isEqualTo("0101");
        assertThat(CipherSuite.S0101.id()).isEqualTo(0x0101);
        assertThat(CipherSuite.S0101.aead()).isSameAs(ChaCha20Poly1305.INSTANCE);
        assertThat(CipherSuite.S0101.hybridPq()).isTrue();

        assertThat(CipherSuite.S0002.code()).isEqualTo("0002");
        assertThat(CipherSuite.S0002.id()).isEqualTo(0x0002);
        assertThat(CipherSuite.S0002.aead()).isSameAs(AesGcm.INSTANCE);
        assertThat(CipherSuite.S0002.hybridPq()).isFalse();
    }

    @Test
    void fromCode() {
        for (CipherSuite s : CipherSuite.values()) {
            assertThat(CipherSuite.fromCode(s.code())).isSameAs(s);
            assertThat(Bytes.u16(s.id())).isEqualTo(Bytes.unhex(s.code()));
        }
        assertThat(CipherSuite.fromCode("0003")).isNull();
        assertThat(CipherSuite.fromCode("1")).isNull();
        assertThat(CipherSuite.fromCode("")).isNull();
        assertThat(CipherSuite.fromCode(null)).isNull();
    }
}
