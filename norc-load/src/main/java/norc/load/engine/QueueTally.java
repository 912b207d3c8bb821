package norc.load.engine;

/**
 * The total-queue figures of a chat run (or of one recipient): {@code delivered + lost =
 * sentAccepted}; a correct system shows {@code lost = unexpected = duplicatesShown = 0}.
 *
 * @param sentAccepted messages the server acknowledged {@code accepted} to their sender
 * @param delivered of those, the ones the recipient received
 * @param lost of those, the ones not received by the end of the drain wait
 * @param unexpected messages received that the partner never sent
 * @param duplicatesShown messages handed to the application again after the SDK's deduplication
 * @param redelivered copies the server delivered again that the SDK dropped as duplicates
 * @param recovered messages received whose send did not end {@code accepted} (failed, unanswered)
 */
public record QueueTally(long sentAccepted, long delivered, long lost, long unexpected, long duplicatesShown,
                         long redelivered, long recovered) {
    public static final QueueTally EMPTY = new QueueTally(0, 0, 0, 0, 0, 0, 0);

    public QueueTally plus(QueueTally other) {
        return new QueueTally(sentAccepted + other.sentAccepted, delivered + other.delivered, lost + other.lost,
                unexpected + other.unexpected, duplicatesShown + other.duplicatesShown,
                redelivered + other.redelivered, recovered + other.recovered);
    }
}
