package norc.wire.message;

import norc.wire.schema.Wire.Fixed;

/** {@code server_discovery} (0x90): asks for a server's federation endpoints (spec §4.4). */
public record ServerDiscovery(
        String queryServer,
        String requestingServer,
        long timestamp,
        @Fixed(64) byte[] signature) implements FederationMessage {}
