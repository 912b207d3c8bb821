package norc.server.contract;

/**
 * Marks a record that may cross a node boundary or reach the journal. {@link ContractSerializer}
 * writes it as Jackson CBOR under the stable name {@link ContractNames} gives its class, so a class
 * may be renamed or moved without breaking a journal or a rolling update; a class missing from that
 * table cannot be serialized at all. Protocols that never leave a node (a connection's own
 * messages, the router's requests) are not contracts and say so with
 * {@link org.apache.pekko.actor.NoSerializationVerificationNeeded}.
 */
public interface Contract {}
