package norc.server;

/**
 * Marks commands, replies, events and snapshots that cross a node boundary or reach the journal;
 * they are serialized with Jackson CBOR (binding in {@code reference.conf}). Class names of events
 * are part of the journal: rename them only with a migration.
 */
public interface CborSerializable {}
