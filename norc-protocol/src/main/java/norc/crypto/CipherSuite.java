package norc.crypto;

/**
 * The cipher suites of wire profile §3 (spec §6.13), by their wire code and the {@code u16} that
 * enters the key schedule's {@code info} ({@code u16(suite)}).
 * <ul>
 *   <li>{@code 0001}: Ed25519 / X25519 / ChaCha20-Poly1305 / BLAKE3 (mandatory);</li>
 *   <li>{@code 0101}: as 0001, with ML-KEM-768 added to X25519 (hybrid post-quantum);</li>
 *   <li>{@code 0002}: P-256 / AES-256-GCM / SHA-256 (optional).</li>
 * </ul>
 * In this implementation the handshake supports 0001 and 0101; 0002 exposes its AEAD only.
 */
public enum CipherSuite {
    S0001("0001", 0x0001),
    S0101("0101", 0x0101),
    S0002("0002", 0x0002);

    private final String code;
    private final int id;

    CipherSuite(String code, int id) {
        this.code = code;
        this.id = id;
    }

    /** The wire code, e.g. {@code "0101"}. */
    public String code() {
        return code;
    }

    /** The numeric identifier written as {@code u16(suite)} in the key schedule. */
    public int id() {
        return id;
    }

    /** The session and end-to-end AEAD of this suite. */
    public Aead aead() {
        return this == S0002 ? AesGcm.INSTANCE : ChaCha20Poly1305.INSTANCE;
    }

    /** Whether the key exchange adds ML-KEM-768 to X25519. */
    public boolean hybridPq() {
        return this == S0101;
    }

    /** The suite with wire code {@code code}, or {@code null} if this implementation knows none. */
    public static CipherSuite fromCode(String code) {
        for (CipherSuite s : values()) {
            if (s.code.equals(code)) {
                return s;
            }
        }
        return null;
    }
}
