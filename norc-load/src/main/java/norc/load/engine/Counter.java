package norc.load.engine;

/** Event counts of a run; a report shows each per second and in total. */
public enum Counter {
    SESSIONS_STARTED("sessions_started"),
    SESSIONS_ESTABLISHED("sessions_established"),
    SESSIONS_FAILED("sessions_failed"),
    /** established sessions that the server or the network ended */
    SESSIONS_LOST("sessions_lost"),
    /** sessions the generator closed on purpose (churn) */
    CHURN_DISCONNECTS("churn_disconnects"),
    MESSAGES_SENT("messages_sent"),
    MESSAGES_ACCEPTED("messages_accepted"),
    MESSAGES_FAILED("messages_failed"),
    MESSAGES_RECEIVED("messages_received"),
    MESSAGES_REJECTED("messages_rejected"),
    /** sends not made because the device already had too many in flight */
    SENDS_SKIPPED("sends_skipped"),
    /** connections of established sessions that ended while the session went on reconnecting ({@code --reconnect}) */
    CONNECTIONS_LOST("connections_lost"),
    /** connections the generator cut itself ({@code --drop}) */
    CONNECTIONS_DROPPED("connections_dropped"),
    /** sessions authenticated again after a lost connection ({@code --reconnect}) */
    RECONNECTS("reconnects"),
    /** sealed messages sent again, unchanged, after a lost connection, a 9002 or a 6001 */
    MESSAGES_RESENT("messages_resent"),
    // the queue check of chat (Jepsen's total queue), added once at the end of the drain wait
    /** messages the server acknowledged accepted to their sender */
    QUEUE_SENT_ACCEPTED("queue_sent_accepted"),
    /** accepted messages the recipient device received */
    QUEUE_DELIVERED("queue_delivered"),
    /** accepted messages the recipient had not received by the end of the drain wait */
    QUEUE_LOST("queue_lost"),
    /** received messages that no sender sent (or not to this recipient) */
    QUEUE_UNEXPECTED("queue_unexpected"),
    /** messages handed to the application a second time (after the SDK's deduplication) */
    QUEUE_DUPLICATES_SHOWN("queue_duplicates_shown"),
    /** copies the server delivered again that the SDK dropped as duplicates */
    QUEUE_REDELIVERED("queue_redelivered"),
    /** received messages whose send never ended accepted (failed or unanswered: the outcome was unknown) */
    QUEUE_RECOVERED("queue_recovered");

    private final String label;

    Counter(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
