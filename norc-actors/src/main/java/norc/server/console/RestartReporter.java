package norc.server.console;

import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.BehaviorInterceptor;
import org.apache.pekko.actor.typed.PreRestart;
import org.apache.pekko.actor.typed.Signal;
import org.apache.pekko.actor.typed.TypedActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Reports each restart of the behavior it wraps to {@link Restarts}: placed inside
 * {@code Behaviors.supervise(...)}, it sees the {@link PreRestart} signal the supervisor sends the
 * failed incarnation, and passes every message and signal on unchanged, but for
 * {@link ConsoleCrash}, on which it fails the actor as a bug would.
 */
public final class RestartReporter<T> extends BehaviorInterceptor<T, T> {
    private final Restarts restarts;
    // what this incarnation threw (a Kill, handled by Pekko before any behavior, leaves it unknown)
    private Throwable failure;

    @SuppressWarnings("unchecked") // every message passes: the interceptor's type is Object's
    private RestartReporter(Restarts restarts) {
        super((Class<T>) (Class<?>) Object.class);
        this.restarts = restarts;
    }

    /** {@code behavior}, reporting its restarts. */
    public static <T> Behavior<T> of(Restarts restarts, Behavior<T> behavior) {
        return Behaviors.intercept(() -> new RestartReporter<>(restarts), behavior);
    }

    @Override
    public Behavior<T> aroundStart(TypedActorContext<T> context, PreStartTarget<T> target) {
        restarts.observe(context.asJava().getSelf().path().toStringWithoutAddress());
        return target.start(context);
    }

    @Override
    public Behavior<T> aroundReceive(TypedActorContext<T> context, T message, ReceiveTarget<T> target) {
        if (message == ConsoleCrash.INSTANCE) {
            failure = new ConsoleCrash.Crashed();
            throw (ConsoleCrash.Crashed) failure;
        }
        try {
            return target.apply(context, message);
        } catch (RuntimeException | Error e) {
            failure = e;
            throw e;
        }
    }

    @Override
    public Behavior<T> aroundSignal(TypedActorContext<T> context, Signal signal, SignalTarget<T> target) {
        if (signal instanceof PreRestart) {
            restarts.restarted(context.asJava().getSelf().path().toStringWithoutAddress(), failure);
        }
        return target.apply(context, signal);
    }
}
