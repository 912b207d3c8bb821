package norc.server.federation.api;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import norc.server.contract.Contract;

/**
 * One relay to one peer (federation profile §5.1): what the origin wrote, fixed for every attempt.
 * {@code payloads} maps each target device to {@code canon(message_send)} of its copy;
 * {@code classification} is the wire atom; {@code expiresAt} in epoch seconds.
 */
public record RelayEntry(UUID messageId, UUID conversationId, UUID senderDevice, List<String> targetUsers,
                         Map<UUID, byte[]> payloads, String classification, long expiresAt) implements Contract {}
