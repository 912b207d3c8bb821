package norc.server.crypto;

import java.security.SecureRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;

/**
 * Where connection crypto runs: the handshake (X25519, ML-KEM-768, the server's Ed25519 signature)
 * and the device signature checks of registration and authentication. A dedicated, bounded
 * dispatcher ({@code norc.crypto-dispatcher}) keeps a storm of set-ups from starving message
 * delivery on the default dispatcher; each of its threads has its own {@link SecureRandom}, so no
 * generator is contended by every connection.
 */
public final class CryptoPool {
    public static final String DISPATCHER = "norc.crypto-dispatcher";

    private final Executor executor;
    private final ThreadLocal<SecureRandom> random = ThreadLocal.withInitial(SecureRandom::new);

    private CryptoPool(Executor executor) {
        this.executor = executor;
    }

    public static CryptoPool of(ActorSystem<?> system) {
        return new CryptoPool(system.dispatchers().lookup(DispatcherSelector.fromConfig(DISPATCHER)));
    }

    /** For unit tests: runs work on the given executor. */
    public static CryptoPool on(Executor executor) {
        return new CryptoPool(executor);
    }

    /** Runs {@code work} on a crypto thread with that thread's generator; failures complete the stage exceptionally. */
    public <T> CompletionStage<T> run(Function<SecureRandom, T> work) {
        return CompletableFuture.supplyAsync(() -> work.apply(random.get()), executor);
    }
}
