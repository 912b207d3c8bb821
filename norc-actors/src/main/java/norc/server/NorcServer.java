package norc.server;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.KeyManagerFactory;
import norc.persistence.JournalDatabase;
import norc.server.keys.ServerIdentity;
import norc.server.metrics.ServerMetrics;
import norc.server.tls.TlsMaterial;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * A running NORC server node: what {@link Main} starts, and what integration tests start and stop
 * on a temporary data directory. Start-up order: settings (validated), data directory, journal
 * schema, identity key, TLS material, the actor system with {@link NorcGuardian} (which joins the
 * cluster), then the management endpoint ({@link ClusterFormation}).
 */
public final class NorcServer implements AutoCloseable {
    private final ActorSystem<NorcGuardian.Command> system;
    private final ServerSettings settings;
    private final ServerIdentity identity;
    private final NorcGuardian.Started started;

    private NorcServer(ActorSystem<NorcGuardian.Command> system, ServerSettings settings, ServerIdentity identity,
                       NorcGuardian.Started started) {
        this.system = system;
        this.settings = settings;
        this.identity = identity;
        this.started = started;
    }

    /** Starts a node from a resolved configuration; throws {@link IllegalArgumentException} for a wrong setting. */
    public static NorcServer start(Config given) {
        ServerSettings settings = ServerSettings.from(given);
        Config config = ClusterFormation.withSeedNodes(given);
        try {
            Files.createDirectories(settings.dataDir());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the data directory " + settings.dataDir(), e);
        }
        JournalDatabase database = JournalDatabase.of(settings.database().url(), settings.database().user(),
                settings.database().password());
        database.installSchema();
        ServerIdentity identity = ServerIdentity.loadOrCreate(settings.identityKey());
        KeyManagerFactory tls = settings.plainWebSocket() && !settings.federation().enabled() ? null
                : TlsMaterial.keyManagers(settings.dataDir(), settings.serverId(), settings.tlsKeystore(), settings.tlsKeystorePassword());
        Config full = ConfigFactory.parseMap(database.pluginSettings()).withFallback(config);
        CompletableFuture<NorcGuardian.Started> started = new CompletableFuture<>();
        ActorSystem<NorcGuardian.Command> system = ActorSystem.create(
                NorcGuardian.create(settings, identity, tls, new ServerMetrics(), started), ClusterFormation.SYSTEM_NAME, full);
        try {
            NorcGuardian.Started bound = started.get(60, TimeUnit.SECONDS);
            ClusterFormation.startManagement(system);
            return new NorcServer(system, settings, identity, bound);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            system.terminate();
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new IllegalStateException("the server did not start: " + cause.getMessage(), cause);
        }
    }

    public ActorSystem<NorcGuardian.Command> system() {
        return system;
    }

    public ServerSettings settings() {
        return settings;
    }

    public byte[] identityPublicKey() {
        return identity.publicKey().clone();
    }

    public int clientPort() {
        return started.client().getPort();
    }

    public int adminPort() {
        return started.admin().getPort();
    }

    /** The NORC-F port, or 0 when federation is off. */
    public int federationPort() {
        return started.federation() == null ? 0 : started.federation().getPort();
    }

    /** The self-signed certificate clients can trust (absent when an operator keystore is used). */
    public Path certificatePem() {
        return settings.dataDir().resolve("tls").resolve(TlsMaterial.CERTIFICATE_PEM);
    }

    /** Stops the node through coordinated shutdown and waits for it. */
    @Override
    public void close() {
        system.terminate();
        try {
            system.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            throw new IllegalStateException("the server did not stop within 60 s", e);
        }
    }
}
