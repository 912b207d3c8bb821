package norc.wire.message;

/**
 * {@code extension} (spec §10.2). The spec gives it no registry code; this implementation uses
 * 0xFE (see {@code PROTOCOL.md}).
 */
public record ExtensionMessage(
        String extensionId,
        String extensionVersion,
        byte[] extensionData) implements NorcMessage {}
