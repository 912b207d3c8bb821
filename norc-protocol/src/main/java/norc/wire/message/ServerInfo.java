package norc.wire.message;

import java.util.List;
import norc.wire.schema.Wire.Atom;
import norc.wire.schema.Wire.Fixed;
import norc.wire.schema.Wire.U16;
import norc.wire.schema.Wire.U32;

/**
 * {@code server_info} (0x91): a server's identity key, endpoints and policy (spec §4.4). The
 * signature by {@code publicKey} binds each endpoint's TLS fingerprint to the identity (profile §7).
 */
public record ServerInfo(
        String serverId,
        @Fixed(32) byte[] publicKey,
        List<Endpoint> endpoints,
        List<byte[]> trustAnchors,
        FederationPolicy federationPolicy,
        long timestamp,
        @Fixed(64) byte[] signature) implements FederationMessage {

    public record Endpoint(@Atom String protocol, String address, @U16 int port, @Fixed(32) byte[] tlsFingerprint) {}

    public record FederationPolicy(boolean autoAccept, boolean requireVerification, @U32 long maxMessageSize) {}
}
