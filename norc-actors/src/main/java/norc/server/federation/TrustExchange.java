package norc.server.federation;

import java.time.Duration;
import norc.error.ErrorCode;
import norc.federation.FederationSignatures;
import norc.server.federation.api.LinkCommand;
import norc.server.federation.api.LinkReply;
import norc.server.federation.api.TrustCommand;
import norc.server.federation.api.TrustReply;
import norc.wire.message.Atoms.TrustLevel;
import norc.wire.message.Atoms.ValidationMethod;
import norc.wire.message.ServerInfo;
import norc.wire.message.TrustCapability;
import norc.wire.message.TrustChallenge;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * One NORC-T run in which this server asks a peer for a level (federation profile §6.2), a
 * temporary child of the {@link TrustManager}: record {@code asked}, exchange capabilities, send
 * the request, check the challenge's signature under the peer's key, publish the TXT proof when
 * the method is {@code dns}, send the signed response. The peer answers 200 (granted, its grant
 * notice follows), 202 (its operator decides) or an error; the result goes to {@code replyTo}.
 * <pre>
 *   asking ─▶ capability ─▶ requesting ─▶ responding ─▶ stopped
 * </pre>
 */
public final class TrustExchange {

    sealed interface Command extends NoSerializationVerificationNeeded {}

    private record Asked(TrustReply reply) implements Command {}

    private record Answered(LinkReply result) implements Command {}

    /** How the run ended: {@code granted}, {@code pending} (the peer's operator decides) or refused with {@code code}. */
    public record Result(String peer, String outcome, ErrorCode code) {}

    private static final Duration STEP_TIMEOUT = Duration.ofSeconds(75);

    static Behavior<Command> create(FederationContext federation, ClusterSharding sharding, String peer,
                                    TrustLevel level, String address, String by, ActorRef<Result> replyTo) {
        return Behaviors.setup(context -> new TrustExchange(context, federation, sharding, peer, level, replyTo).asking(address, by));
    }

    private final ActorContext<Command> context;
    private final FederationContext federation;
    private final ClusterSharding sharding;
    private final String peer;
    private final TrustLevel level;
    private final ActorRef<Result> replyTo;

    private TrustExchange(ActorContext<Command> context, FederationContext federation, ClusterSharding sharding,
                          String peer, TrustLevel level, ActorRef<Result> replyTo) {
        this.context = context;
        this.federation = federation;
        this.sharding = sharding;
        this.peer = peer;
        this.level = level;
        this.replyTo = replyTo;
    }

    private Behavior<Command> asking(String address, String by) {
        context.ask(TrustReply.class, ClusterSharding.get(context.getSystem()).entityRefFor(TrustCommand.ENTITY_TYPE_KEY, peer),
                STEP_TIMEOUT, r -> new TrustCommand.Ask(level, address, by, r),
                (reply, error) -> new Asked(reply != null ? reply : new TrustReply.Refused(ErrorCode.UNAVAILABLE.code())));
        return Behaviors.receive(Command.class)
                .onMessage(Asked.class, asked -> {
                    if (asked.reply() instanceof TrustReply.Refused refused) {
                        return finish("refused", ErrorCode.ofCode(refused.errorCode()));
                    }
                    send(new LinkCommand.TrustCapability(true));
                    return capability();
                })
                .build();
    }

    private Behavior<Command> capability() {
        return Behaviors.receive(Command.class)
                .onMessage(Answered.class, answered -> onAnswer(answered, response -> {
                    if (!(response.message() instanceof TrustCapability capability) || !capability.serverId().equals(peer)
                            || !FederationSignatures.verifyTrustCapability(peerKey(), capability)) {
                        return finish("refused", ErrorCode.INVALID_SIGNATURE);
                    }
                    send(new LinkCommand.TrustRequest(level));
                    return requesting();
                }))
                .build();
    }

    private Behavior<Command> requesting() {
        return Behaviors.receive(Command.class)
                .onMessage(Answered.class, answered -> onAnswer(answered, response -> {
                    if (!(response.message() instanceof TrustChallenge challenge) || !FederationSignatures.verifyTrustChallenge(peerKey(), challenge)) {
                        return finish("refused", ErrorCode.INVALID_SIGNATURE);
                    }
                    if (challenge.validationMethod() == ValidationMethod.DNS) {
                        if (!federation.txt().canPublish()) {
                            return finish("refused", ErrorCode.NO_ACCEPTABLE_METHOD);
                        }
                        federation.txt().publish(FederationSignatures.dnsTxtName(federation.own().serverId()),
                                FederationSignatures.dnsTxtValue(challenge.challengeId(), challenge.challengeData(),
                                        federation.own().publicKey()));
                    }
                    send(new LinkCommand.TrustResponse(challenge.challengeId(), challenge.challengeData()));
                    return responding();
                }))
                .build();
    }

    private Behavior<Command> responding() {
        return Behaviors.receive(Command.class)
                .onMessage(Answered.class, answered -> onAnswer(answered,
                        response -> finish(response.status() == 202 ? "pending" : "granted", null)))
                .build();
    }

    private void send(LinkCommand.Outgoing what) {
        context.ask(LinkReply.class, LinkCommand.to(sharding, peer), STEP_TIMEOUT,
                r -> new LinkCommand.Send(what, r),
                (result, error) -> new Answered(result != null ? result : LinkReply.Unreachable.of(ErrorCode.UNAVAILABLE, 1)));
    }

    /** Every step: an unreachable peer or an error answer ends the run; a 200 or 202 goes on to {@code next}. */
    private Behavior<Command> onAnswer(Answered answered, java.util.function.Function<LinkReply.Answered, Behavior<Command>> next) {
        if (answered.result() instanceof LinkReply.Unreachable unreachable) {
            return finish("refused", unreachable.code());
        }
        LinkReply.Answered response = (LinkReply.Answered) answered.result();
        return response.status() == 200 || response.status() == 202 ? next.apply(response) : finish("refused", response.code());
    }

    private byte[] peerKey() {
        return federation.directory().serverInfo(peer).map(ServerInfo::publicKey).orElse(new byte[32]);
    }

    private Behavior<Command> finish(String outcome, ErrorCode code) {
        replyTo.tell(new Result(peer, outcome, code));
        return Behaviors.stopped();
    }
}
