package norc.session;

import java.util.List;
import norc.crypto.CipherSuite;
import norc.error.ErrorCode;
import norc.error.NorcException;
import norc.wire.ProtocolVersion;

/**
 * The selection rules both sides apply (profile §1, §3): the version is the highest mutual one;
 * the suite is the first in the server's preference order that the client offered, and never
 * {@code 0101} in a 1.x session (§4.5). A client recomputes both from the server's advertised lists
 * to detect a downgrade.
 */
public final class HandshakePolicy {
    private HandshakePolicy() {}

    /** The suite the server selects, or {@code NO_COMPATIBLE_SUITE}. */
    public static CipherSuite selectSuite(List<CipherSuite> serverPreference, List<String> clientOffered,
                                          ProtocolVersion negotiated) {
        for (CipherSuite suite : serverPreference) {
            if (suite.hybridPq() && negotiated.major() == 1) {
                continue;
            }
            if (clientOffered.contains(suite.code())) {
                return suite;
            }
        }
        throw new NorcException(ErrorCode.NO_COMPATIBLE_SUITE, "no mutual cipher suite");
    }

    /** The same rule over the server's advertised codes (the client's downgrade check). */
    public static String expectedSuite(List<String> serverSuites, List<String> clientOffered, ProtocolVersion negotiated) {
        for (String code : serverSuites) {
            CipherSuite suite = CipherSuite.fromCode(code);
            if (suite != null && suite.hybridPq() && negotiated.major() == 1) {
                continue;
            }
            if (clientOffered.contains(code)) {
                return code;
            }
        }
        return null;
    }
}
