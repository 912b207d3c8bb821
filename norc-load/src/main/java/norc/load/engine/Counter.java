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
    SENDS_SKIPPED("sends_skipped");

    private final String label;

    Counter(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
