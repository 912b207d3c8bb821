package norc.server.console;

import org.apache.pekko.actor.NoSerializationVerificationNeeded;

/**
 * Sent from the console to an actor wrapped by {@link RestartReporter}, which throws
 * {@link Crashed} on it inside the actor's supervisor: the failure a student watches being
 * handled (a restart). Pekko's {@code Kill} would not do for typed actors: it fails the actor
 * outside its behavior, so the behavior's own supervisor never sees it and the actor stops.
 */
public enum ConsoleCrash implements NoSerializationVerificationNeeded {
    INSTANCE;

    /** What the actor throws. */
    public static final class Crashed extends RuntimeException {
        Crashed() {
            super("crashed on purpose from the console", null, false, false);
        }
    }
}
