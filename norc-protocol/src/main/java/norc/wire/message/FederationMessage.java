package norc.wire.message;

/** NORC-F: the server-server federation layer (spec §4). Every message carries its sender's signature. */
public sealed interface FederationMessage extends NorcMessage permits FederationHello, FederationHelloResponse,
        MessageRelay, DeliveryAck, ServerDiscovery, ServerInfo {}
