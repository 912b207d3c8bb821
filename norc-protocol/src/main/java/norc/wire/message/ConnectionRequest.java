package norc.wire.message;

import java.util.List;
import java.util.Optional;
import norc.wire.schema.Wire.Atom;
import norc.wire.schema.Wire.Fixed;

/**
 * {@code connection_request} (0x00): the client's first message (spec §3.1.1, profile §3 with the
 * key-exchange fields the spec omits). {@code pqPublicKey} is present iff suite 0101 is offered.
 */
public record ConnectionRequest(
        List<String> clientVersions,
        String preferredVersion,
        List<@Atom String> capabilities,
        List<String> cipherSuites,
        @Fixed(16) byte[] clientNonce,
        @Fixed(32) byte[] ephemeralPublicKey,
        Optional<@Fixed(1184) byte[]> pqPublicKey) implements ClientMessage {}
