package norc.server.http;

import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import norc.server.ServerSettings;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;

/**
 * pekko-management's readiness check for the journal ({@code /ready} on the management port):
 * the same check as the admin API's {@code /ready}; cluster-http adds the membership check.
 */
public final class JournalReadinessCheck implements Supplier<CompletionStage<Boolean>> {
    private final Readiness readiness;

    public JournalReadinessCheck(ActorSystem system) {
        this.readiness = new Readiness(Adapter.toTyped(system), ServerSettings.from(system.settings().config()).database());
    }

    @Override
    public CompletionStage<Boolean> get() {
        return readiness.check().thenApply(Readiness.Report::ready);
    }
}
