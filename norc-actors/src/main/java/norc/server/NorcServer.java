package norc.server;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.KeyManagerFactory;
import norc.persistence.JournalDatabase;
import norc.server.device.api.DeviceCommand;
import norc.server.keys.ServerIdentity;
import norc.server.metrics.ServerMetrics;
import norc.server.storage.SealedSerializer;
import norc.server.storage.StorageSeal;
import norc.server.tls.TlsMaterial;
import norc.server.user.api.UserCommand;
import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running NORC server node: what {@link Main} starts, and what integration tests start and stop
 * on a temporary data directory. Start-up order: settings (validated), data directory, journal
 * schema, storage key (and persistence ids written before pseudonyms moved), identity key, TLS material, the actor system with {@link NorcGuardian} (which joins the
 * cluster), then the management endpoint ({@link ClusterFormation}).
 */
public final class NorcServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NorcServer.class);
    private final ActorSystem<NorcGuardian.Command> system;
    private final ServerSettings settings;
    private final ServerIdentity identity;
    private final NorcGuardian.Started started;
    private final ShardedEntities entities;

    private NorcServer(ActorSystem<NorcGuardian.Command> system, ServerSettings settings, ServerIdentity identity,
                       NorcGuardian.Started started, ShardedEntities entities) {
        this.system = system;
        this.entities = entities;
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
        StorageSeal seal = StorageSeal.loadOrCreate(settings.database().storageKeyFile());
        database.latestEventPayload(SealedSerializer.IDENTIFIER).flatMap(StorageSeal::keyIdOf)
                .filter(written -> !written.equals(seal.keyId()))
                .ifPresent(written -> {
                    throw new IllegalStateException("the journal is sealed with storage key " + written + " but "
                            + settings.database().storageKeyFile() + " (norc.storage.key-file) holds key " + seal.keyId()
                            + ": every node of a server must use the same key file");
                });
        for (String type : List.of(UserCommand.ENTITY_TYPE_KEY.name(), DeviceCommand.ENTITY_TYPE_KEY.name())) {
            int moved = database.renamePersistenceIds(type, StorageSeal::isPseudonym, id -> seal.pseudonym(type, id));
            if (moved > 0) {
                LOG.info("moved {} {} entities to pseudonymous persistence ids (rows written before keep their payloads unsealed)",
                        moved, type);
            }
        }
        ServerIdentity identity = ServerIdentity.loadOrCreate(settings.identityKey());
        KeyManagerFactory tls = settings.plainWebSocket() && !settings.federation().enabled() ? null
                : TlsMaterial.keyManagers(settings.dataDir(), settings.serverId(), settings.tlsKeystore(), settings.tlsKeystorePassword());
        Config full = ConfigFactory.parseMap(database.pluginSettings()).withFallback(config);
        CompletableFuture<NorcGuardian.Started> started = new CompletableFuture<>();
        ActorSystem<NorcGuardian.Command> system = ActorSystem.create(
                NorcGuardian.create(settings, identity, tls, seal, new ServerMetrics(), started), ClusterFormation.SYSTEM_NAME, full);
        try {
            NorcGuardian.Started bound = started.get(60, TimeUnit.SECONDS);
            ClusterFormation.startManagement(system);
            return new NorcServer(system, settings, identity, bound,
                    new ShardedEntities(org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding.get(system), seal.entityNames()));
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            system.terminate();
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new IllegalStateException("the server did not start: " + cause.getMessage(), cause);
        }
    }

    public ActorSystem<NorcGuardian.Command> system() {
        return system;
    }

    /** This node's way to its user and device entities, by clear id (tools and tests). */
    public ShardedEntities entities() {
        return entities;
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
