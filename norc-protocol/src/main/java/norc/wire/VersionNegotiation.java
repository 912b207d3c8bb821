package norc.wire;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import norc.error.ErrorCode;
import norc.error.NorcException;
import norc.wire.message.FederationHello;
import norc.wire.message.FederationHelloResponse;

/**
 * Adjacent-Major Compatibility negotiation (spec §1.2, profile §1): the negotiated version is the
 * highest version both sides list; an empty intersection is {@code no_compatible_version}. The
 * spec's §7.1.1 fallback to a merely "compatible" version is deliberately not used (profile §1,
 * spec fix). The same rule serves NORC-C, NORC-F and NORC-T.
 */
public final class VersionNegotiation {
    private VersionNegotiation() {}

    /** The highest mutual version of two advertised lists. */
    public static ProtocolVersion negotiate(List<String> offered, List<ProtocolVersion> supported) {
        ProtocolVersion best = null;
        for (String text : offered) {
            ProtocolVersion v = ProtocolVersion.parse(text);
            if (supported.contains(v) && (best == null || v.compareTo(best) > 0)) {
                best = v;
            }
        }
        if (best == null) {
            throw new NorcException(ErrorCode.NO_COMPATIBLE_VERSION, "no mutual version");
        }
        return best;
    }

    /** Convenience form over two string lists (used by the vectors and by clients checking for downgrade). */
    public static ProtocolVersion negotiate(List<String> client, Iterable<String> server) {
        List<ProtocolVersion> parsed = new ArrayList<>();
        for (String s : server) {
            parsed.add(ProtocolVersion.parse(s));
        }
        return negotiate(client, parsed);
    }

    /**
     * NORC-F and NORC-T versions of a federation link, negotiated independently with the same rule
     * (profile §1, §7). Either layer without a mutual version is {@code no_compatible_version}.
     */
    public static FederationHelloResponse.NegotiatedVersions negotiateFederation(
            FederationHello.ProtocolVersions offered, List<ProtocolVersion> norcF, List<ProtocolVersion> norcT) {
        return new FederationHelloResponse.NegotiatedVersions(
                negotiate(offered.norcF(), norcF).toString(), negotiate(offered.norcT(), norcT).toString());
    }

    /** {@code compatibility_mode}: the negotiated major differs from the native one (profile §1). */
    public static boolean compatibilityMode(ProtocolVersion negotiated, ProtocolVersion nativeVersion) {
        return negotiated.major() != nativeVersion.major();
    }

    /**
     * Validates a configured supported list: non-empty, no duplicates, spanning at most two
     * adjacent majors (AMC). Returns it sorted highest first. Throws {@link IllegalArgumentException}
     * with a sentence an operator can act on.
     */
    public static List<ProtocolVersion> validateSupported(List<String> configured) {
        if (configured.isEmpty()) {
            throw new IllegalArgumentException("the supported protocol version list is empty; configure at least \"2.0\"");
        }
        List<ProtocolVersion> versions = new ArrayList<>();
        for (String s : configured) {
            ProtocolVersion v;
            try {
                v = ProtocolVersion.parse(s);
            } catch (NorcException e) {
                throw new IllegalArgumentException("\"" + s + "\" is not a MAJOR.MINOR protocol version");
            }
            if (versions.contains(v)) {
                throw new IllegalArgumentException("protocol version " + v + " is listed twice");
            }
            versions.add(v);
        }
        Collections.sort(versions, Collections.reverseOrder());
        int high = versions.get(0).major();
        int low = versions.get(versions.size() - 1).major();
        if (high - low > 1) {
            throw new IllegalArgumentException("supported protocol versions span majors " + low + " to " + high
                    + "; AMC allows at most two adjacent majors (e.g. 1.x and 2.x)");
        }
        return List.copyOf(versions);
    }
}
