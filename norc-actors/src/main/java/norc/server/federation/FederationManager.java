package norc.server.federation;

import java.util.HashMap;
import java.util.Map;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * This node's outbound federation (spec §7.2 {@code norc_federation_manager}): one {@link PeerLink}
 * child per peer this node talks to, spawned on first use. Each link is restarted if it fails (a
 * restart forgets its connection and backoff, and it dials again on the next request); the
 * manager itself keeps nothing but the children's names.
 */
public final class FederationManager {

    public sealed interface Command extends NoSerializationVerificationNeeded {}

    /** Send {@code send} to {@code peer} over this node's link to it. */
    public record ToPeer(String peer, PeerLink.Send send) implements Command {}

    /** Close this node's connection to {@code peer} (its trust was revoked). */
    public record ClosePeer(String peer) implements Command {}

    public static Behavior<Command> create(FederationContext federation) {
        return Behaviors.setup(context -> new FederationManager(context, federation).receive());
    }

    private final ActorContext<Command> context;
    private final FederationContext federation;
    private final Map<String, ActorRef<PeerLink.Command>> links = new HashMap<>();

    private FederationManager(ActorContext<Command> context, FederationContext federation) {
        this.context = context;
        this.federation = federation;
    }

    private Behavior<Command> receive() {
        return Behaviors.receive(Command.class)
                .onMessage(ToPeer.class, this::onToPeer)
                .onMessage(ClosePeer.class, close -> {
                    ActorRef<PeerLink.Command> link = links.get(close.peer());
                    if (link != null) {
                        link.tell(PeerLink.Close.INSTANCE);
                    }
                    return Behaviors.same();
                })
                .build();
    }

    private Behavior<Command> onToPeer(ToPeer to) {
        links.computeIfAbsent(to.peer(), peer -> context.spawn(
                        Behaviors.supervise(PeerLink.create(federation, peer)).onFailure(SupervisorStrategy.restart()),
                        "peer-" + links.size()))
                .tell(to.send());
        return Behaviors.same();
    }
}
