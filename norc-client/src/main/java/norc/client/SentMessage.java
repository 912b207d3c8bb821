package norc.client;

import java.util.UUID;

/** A message the server accepted ({@code message_ack accepted}): its id and chain position. */
public record SentMessage(UUID messageId, UUID conversationId, long e2eSequence, int deviceCount) {}
