package norc.server;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import norc.server.audit.AuditSettings;
import norc.server.federation.FederationSettings;
import norc.crypto.CipherSuite;
import norc.persistence.JournalDatabase;
import norc.server.keys.ServerIdentity;
import norc.session.ReplayWindow;
import norc.wire.ProtocolVersion;
import norc.wire.VersionNegotiation;

/**
 * The server's settings, parsed once from the {@code norc} config section and validated. A wrong
 * value fails start-up with an {@link IllegalArgumentException} whose message says which key is
 * wrong and what would be right. Actors receive this record, never a raw {@code Config}.
 */
public record ServerSettings(
        Path dataDir,
        String serverId,
        String clientInterface,
        int clientPort,
        boolean plainWebSocket,
        Duration preAuthTimeout,
        Duration pingInterval,
        Duration idleTimeout,
        int maxPayload,
        int maxFailedFrames,
        int replayWindow,
        Transport transport,
        List<ProtocolVersion> versions,
        List<CipherSuite> suites,
        List<String> capabilities,
        String tlsKeystore,
        String tlsKeystorePassword,
        Path identityKey,
        Registration registration,
        Admin admin,
        FederationSettings federation,
        Database database,
        Limits limits,
        Delivery delivery,
        Session session,
        AuditSettings audit,
        DeviceKeys deviceKeys,
        Groups groups,
        Files files,
        Storage storage) {

    /**
     * Files (profile B): an unsealed upload is deleted {@code uploadTtl} after its last chunk, a
     * sealed file {@code fileTtl} after sealing; each user may hold {@code quotaBytes} of padded
     * bytes and each device {@code unsealedPerDevice} unsealed uploads ({@code 6002} past either).
     */
    public record Files(Duration uploadTtl, Duration fileTtl, long quotaBytes, int unsealedPerDevice) {}

    /**
     * The tables of opaque bytes beside the journal (file chunks, group messages' shared
     * ciphertexts): {@code connections} database connections of their own, and every
     * {@code sweepInterval} each node deletes the rows that expired more than {@code sweepGrace} ago.
     */
    public record Storage(int connections, Duration sweepInterval, Duration sweepGrace) {}

    /**
     * Groups (profile A.1): members per group, subjects per {@code conversation_update}, the
     * largest group {@code ciphertext} (bigger content is a file), groups per user
     * ({@code max_conversations_per_user}), and the largest group whose members hear each other's
     * presence (A.6 {@code presence_group_limit}).
     */
    public record Groups(int maxMembers, int maxSubjects, int maxCiphertext, int maxPerUser, int presenceLimit) {}

    /**
     * Device key lifecycle (groups profile C): a key is valid for {@code lifetime} from registration
     * or rotation; a rotated key stays valid at most {@code rotationOverlap} more; from
     * {@code expiryNotice} before expiry an unrotated device hears {@code key_expiry_notice}. A user
     * has at most {@code maxPerUser} active devices (groups profile A.1's {@code max_devices_per_user}:
     * one more is {@code 1004}; a predecessor in its rotation overlap does not count).
     */
    public record DeviceKeys(Duration lifetime, Duration rotationOverlap, Duration expiryNotice, int maxPerUser) {
        /** Without a device limit of its own (the profile's 8). */
        public DeviceKeys(Duration lifetime, Duration rotationOverlap, Duration expiryNotice) {
            this(lifetime, rotationOverlap, expiryNotice, 8);
        }
    }

    /**
     * The socket layer under the NORC-C endpoint (Netty): the TLS engine, threads, and the limits
     * it enforces per node and per connection.
     */
    public record Transport(TlsProvider tlsProvider, int ioThreads, int backlog, int maxConnections,
                            int maxQueuedMessages, long maxQueuedBytes, long preAuthMaxBytes, int preAuthMaxMessage,
                            int maxConnectionsPerSource, int newConnectionsPerSourcePerMinute, int newConnectionBurstPerSource) {
        public enum TlsProvider { OPENSSL, JDK }
    }

    /** Who may add devices (profile §5). */
    public enum Registration { TOKEN, OPEN, CLOSED }

    /** The loopback operator API. */
    /**
     * The operator API: loopback only ({@code host}); every {@code /admin} request carries the
     * bearer token kept in {@code tokenFile}; a request's {@code Host} must name loopback, the bound
     * address or one of {@code allowedHosts}.
     */
    /** {@code metricsSampleInterval}: how often the shard, entity and member gauges of {@code /metrics} are sampled. */
    public record Admin(String host, int port, Duration tokenTtl, Path tokenFile, List<String> allowedHosts,
                        Duration metricsSampleInterval) {}

    /** The journal database; {@code url} is a JDBC URL, never empty after parsing. */
    public record Database(String url, String user, String password, int poolSize, Duration connectionTimeout, Path storageKeyFile) {
        @Override
        public String toString() {
            return "Database[url=" + url + ", user=" + user + ", poolSize=" + poolSize + "]";
        }
    }

    /** Spec §6.16 budgets, per device (registrations: per source address). */
    public record Limits(int messagesPerMinute, int messageBurst, long messageBytesPerMinute, long messageBytesBurst,
                         int maxCopiesPerSend, int keyLookupsPerMinute, int keyLookupBurst, int relaysPerMinute, int relayBurst,
                         int registrationsPerHour, int maxUsersPerRequest, Session session) {
        /** Budgets of one session (per connection), for the ephemeral messages that store nothing. */
        public record Session(int presencePerMinute, int presenceBurst, int keyExchangesPerMinute, int keyExchangeBurst,
                              int timeSyncsPerMinute, int timeSyncBurst, int acksPerMinute, int ackBurst) {}
    }

    /**
     * Store-and-forward. Inbox quotas per device ({@code maxInboxMessages}, {@code maxInboxBytes});
     * {@code hotPayloadBytes}: payloads a device entity keeps in memory for its live connection
     * (everything else is read back from the journal); a drained inbox is snapshotted and its
     * journal trimmed after {@code trimEvery} events or {@code trimInterval}, the deletes of a node
     * going to the database together every {@code trimFlush}. A payload whose row the journal
     * answers without is asked for {@code payloadReadAttempts} times, {@code payloadReadRetry}
     * apart and doubling up to a minute, then its message is dropped.
     */
    public record Delivery(Duration messageTtl, int inFlight, int dedupIds, Duration commitTimeout,
                           Duration maxClockSkew, int snapshotEvery, Duration attachRefresh, Duration ackFlushDelay,
                           int maxInboxMessages, long maxInboxBytes, long hotPayloadBytes, int trimEvery,
                           Duration trimInterval, Duration trimFlush, int payloadReadAttempts, Duration payloadReadRetry) {}

    /** Authenticated session policy. */
    /** {@code contactsTtl}: how long a conversation partner stays a presence contact after the last stored copy. */
    public record Session(Duration lifetime, Duration authSkew, Duration timeUncertainty, Duration presenceMaxDelay,
                          Duration contactsTtl) {}

    /** No secrets: the keystore password is left out. */
    @Override
    public String toString() {
        return "ServerSettings[serverId=" + serverId + ", dataDir=" + dataDir + ", client=" + clientInterface + ":" + clientPort
                + (plainWebSocket ? " (plain ws)" : " (wss)") + ", admin=" + admin.host() + ":" + admin.port()
                + ", registration=" + registration + ", " + database + "]";
    }

    public static ServerSettings from(Config root) {
        Config c = root.getConfig("norc");
        try {
            String clientInterface = c.getString("client.interface");
            boolean plain = c.getBoolean("client.plain-websocket");
            if (plain && !isLoopback(clientInterface)) {
                throw new IllegalArgumentException("norc.client.plain-websocket = on is only allowed when norc.client.interface"
                        + " is a loopback address (it is \"" + clientInterface + "\"); use TLS or bind to 127.0.0.1");
            }
            int port = port(c, "client.port");
            long maxPayload = c.getBytes("client.max-payload");
            if (maxPayload < 1024 || maxPayload > 64L * 1024 * 1024) {
                throw new IllegalArgumentException("norc.client.max-payload must be between 1 KiB and 64 MiB, not " + maxPayload);
            }
            int window = c.getInt("client.replay-window");
            if (window < ReplayWindow.MIN_SIZE || window % 64 != 0) {
                throw new IllegalArgumentException("norc.client.replay-window must be at least 1024 and a multiple of 64, not " + window);
            }
            int maxFailed = c.getInt("client.max-failed-frames");
            if (maxFailed < 1) {
                throw new IllegalArgumentException("norc.client.max-failed-frames must be at least 1");
            }
            String serverId = c.getString("server-id");
            if (!serverId.matches("[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?")) {
                throw new IllegalArgumentException("norc.server-id (NORC_SERVER_ID) must be a lowercase domain name such as"
                        + " chat.example.org, not \"" + serverId + "\"");
            }
            List<CipherSuite> suites = new ArrayList<>();
            for (String code : c.getStringList("protocol.suites")) {
                CipherSuite suite = CipherSuite.fromCode(code);
                if (suite == null || suite == CipherSuite.S0002) {
                    throw new IllegalArgumentException("norc.protocol.suites: \"" + code
                            + "\" is not a handshake suite this server supports; use \"0101\" and/or \"0001\"");
                }
                suites.add(suite);
            }
            if (suites.isEmpty()) {
                throw new IllegalArgumentException("norc.protocol.suites is empty; \"0001\" is mandatory (spec §6.13)");
            }
            Path dataDir = Path.of(c.getString("data-dir")).toAbsolutePath();
            return new ServerSettings(
                    dataDir,
                    serverId,
                    clientInterface,
                    port,
                    plain,
                    positive(c, "client.pre-auth-timeout"),
                    positive(c, "client.ping-interval"),
                    positive(c, "client.idle-timeout"),
                    (int) maxPayload,
                    maxFailed,
                    window,
                    transport(c, maxPayload),
                    VersionNegotiation.validateSupported(c.getStringList("protocol.versions")),
                    List.copyOf(suites),
                    List.copyOf(c.getStringList("protocol.capabilities")),
                    c.getString("tls.keystore"),
                    c.getString("tls.keystore-password"),
                    c.getString("identity-key").isEmpty() ? dataDir.resolve("identity").resolve(ServerIdentity.KEY_FILE)
                            : Path.of(c.getString("identity-key")),
                    registration(c.getString("registration")),
                    admin(c, dataDir),
                    FederationSettings.from(c, serverId),
                    database(c),
                    new Limits(atLeast(c, "limits.messages-per-minute", 1), atLeast(c, "limits.message-burst", 1),
                            bytesAtLeast(c, "limits.message-bytes-per-minute", 1), bytesAtLeast(c, "limits.message-bytes-burst", maxPayload),
                            atLeast(c, "limits.max-copies-per-send", 1),
                            atLeast(c, "limits.key-lookups-per-minute", 1), atLeast(c, "limits.key-lookup-burst", 1),
                            atLeast(c, "limits.relays-per-device-per-minute", 1), atLeast(c, "limits.relay-burst-per-device", 1),
                            atLeast(c, "limits.registrations-per-hour", 1), atLeast(c, "limits.max-users-per-request", 1),
                            new Limits.Session(atLeast(c, "limits.session.presence-per-minute", 1),
                                    atLeast(c, "limits.session.presence-burst", 1),
                                    atLeast(c, "limits.session.key-exchanges-per-minute", 1),
                                    atLeast(c, "limits.session.key-exchange-burst", 1),
                                    atLeast(c, "limits.session.time-syncs-per-minute", 1),
                                    atLeast(c, "limits.session.time-sync-burst", 1),
                                    atLeast(c, "limits.session.acks-per-minute", 1),
                                    atLeast(c, "limits.session.ack-burst", 1))),
                    new Delivery(positive(c, "delivery.message-ttl"), atLeast(c, "delivery.in-flight", 1),
                            atLeast(c, "delivery.dedup-ids", 0), positive(c, "delivery.commit-timeout"),
                            positive(c, "delivery.max-clock-skew"), atLeast(c, "delivery.snapshot-every", 1),
                            positive(c, "delivery.attach-refresh"), positive(c, "delivery.ack-flush-delay"),
                            atLeast(c, "delivery.max-inbox-messages", 1), bytesAtLeast(c, "delivery.max-inbox-bytes", maxPayload),
                            bytesAtLeast(c, "delivery.hot-payload-bytes", 0), atLeast(c, "delivery.trim-every", 1),
                            positive(c, "delivery.trim-interval"), positive(c, "delivery.trim-flush"),
                            atLeast(c, "delivery.payload-read-attempts", 1), positive(c, "delivery.payload-read-retry")),
                    new Session(positive(c, "session.lifetime"), positive(c, "session.auth-skew"),
                            positive(c, "session.time-uncertainty"), nonNegative(c, "session.presence-max-delay"),
                            positive(c, "session.contacts-ttl")),
                    AuditSettings.from(c, dataDir),
                    new DeviceKeys(positive(c, "device-keys.lifetime"), positive(c, "device-keys.rotation-overlap"),
                            positive(c, "device-keys.expiry-notice"), atLeast(c, "device-keys.max-per-user", 1)),
                    groups(c),
                    new Files(positive(c, "files.upload-ttl"), positive(c, "files.file-ttl"),
                            bytesAtLeast(c, "files.quota-bytes", 256), atLeast(c, "files.unsealed-per-device", 1)),
                    new Storage(atLeast(c, "storage.connections", 1), positive(c, "storage.sweep-interval"),
                            nonNegative(c, "storage.sweep-grace")));
        } catch (ConfigException e) {
            throw new IllegalArgumentException("configuration error: " + e.getMessage(), e);
        }
    }

    /** A.1: {@code max_members × max_devices_per_user} bounds the {@code keys} maps, at most 16384 (checked at start-up). */
    private static Groups groups(Config c) {
        Groups groups = new Groups(atLeast(c, "groups.max-members", 2), atLeast(c, "groups.max-subjects", 1),
                atLeast(c, "groups.max-ciphertext", 16), atLeast(c, "groups.max-per-user", 1), atLeast(c, "groups.presence-limit", 0));
        long entries = (long) groups.maxMembers() * c.getInt("device-keys.max-per-user");
        if (entries > 16384) {
            throw new IllegalArgumentException("norc.groups.max-members × norc.device-keys.max-per-user must be at most 16384 "
                    + "(groups profile A.1), not " + entries);
        }
        return groups;
    }

    private static Transport transport(Config c, long maxPayload) {
        Transport.TlsProvider provider = switch (c.getString("client.tls-provider")) {
            case "openssl" -> Transport.TlsProvider.OPENSSL;
            case "jdk" -> Transport.TlsProvider.JDK;
            default -> throw new IllegalArgumentException("norc.client.tls-provider must be openssl or jdk, not \""
                    + c.getString("client.tls-provider") + "\"");
        };
        int ioThreads = c.getInt("client.io-threads");
        if (ioThreads < 0) {
            throw new IllegalArgumentException("norc.client.io-threads must be 0 (one per core) or more, not " + ioThreads);
        }
        long maxQueuedBytes = c.getBytes("client.max-queued-bytes");
        long largestMessage = (maxPayload + 64 * 1024 + 256) * 4 / 3 + 1024; // one JSON message of max-payload
        if (maxQueuedBytes < largestMessage) {
            throw new IllegalArgumentException("norc.client.max-queued-bytes must hold at least one largest message ("
                    + largestMessage + " bytes for max-payload " + maxPayload + "), not " + maxQueuedBytes);
        }
        return new Transport(provider, ioThreads == 0 ? Runtime.getRuntime().availableProcessors() : ioThreads,
                atLeast(c, "client.backlog", 1), atLeast(c, "client.max-connections", 1),
                atLeast(c, "client.max-queued-messages", 1), maxQueuedBytes, preAuthMaxBytes(c),
                (int) bytesAtLeast(c, "client.pre-auth-max-message", 8 * 1024),
                atLeast(c, "client.max-connections-per-source", 0), atLeast(c, "client.new-connections-per-source-per-minute", 0),
                atLeast(c, "client.new-connection-burst-per-source", 1));
    }

    private static long preAuthMaxBytes(Config c) {
        long bytes = c.getBytes("client.pre-auth-max-bytes");
        if (bytes < 16 * 1024) {
            throw new IllegalArgumentException("norc.client.pre-auth-max-bytes must be at least 16 KiB (a handshake with"
                    + " ML-KEM and a registration must fit), not " + bytes);
        }
        return bytes;
    }

    private static Registration registration(String value) {
        return switch (value) {
            case "token" -> Registration.TOKEN;
            case "open" -> Registration.OPEN;
            case "closed" -> Registration.CLOSED;
            default -> throw new IllegalArgumentException("norc.registration (NORC_REGISTRATION) must be token, open or closed, not \""
                    + value + "\"");
        };
    }

    private static Database database(Config c) {
        String url = c.getString("db.url");
        if (url.isEmpty()) {
            url = JournalDatabase.h2FileUrl(Path.of(c.getString("data-dir")).resolve("db").resolve("norc"));
        } else if (!url.startsWith("jdbc:h2:") && !url.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException("norc.db.url (NORC_DB_URL) must be a jdbc:postgresql: or jdbc:h2: URL, not \""
                    + url + "\"");
        }
        String keyFile = c.getString("storage.key-file");
        return new Database(url, c.getString("db.user"), c.getString("db.password"), atLeast(c, "db.pool-size", 1),
                positive(c, "db.connection-timeout"),
                keyFile.isEmpty() ? Path.of(c.getString("data-dir")).resolve("storage").resolve("seal.key").toAbsolutePath()
                        : Path.of(keyFile).toAbsolutePath());
    }

    private static int port(Config c, String key) {
        int port = c.getInt(key);
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("norc." + key + " must be 0..65535 (0 picks a free port), not " + port);
        }
        return port;
    }

    private static int atLeast(Config c, String key, int min) {
        int value = c.getInt(key);
        if (value < min) {
            throw new IllegalArgumentException("norc." + key + " must be at least " + min + ", not " + value);
        }
        return value;
    }

    private static Admin admin(Config c, Path dataDir) {
        String host = c.getString("admin.interface");
        if (!isLoopback(host)) { // it serves plain HTTP, and its token opens every account
            throw new IllegalArgumentException("norc.admin.interface must be a loopback address, not \"" + host
                    + "\": the admin API is plain HTTP; reach it through SSH or kubectl port-forward");
        }
        String tokenFile = c.getString("admin.token-file");
        return new Admin(host, port(c, "admin.port"), positive(c, "admin.token-ttl"),
                tokenFile.isEmpty() ? dataDir.resolve("admin").resolve("token") : Path.of(tokenFile),
                List.copyOf(c.getStringList("admin.allowed-hosts")), positive(c, "admin.metrics-sample-interval"));
    }

    private static long bytesAtLeast(Config c, String key, long min) {
        long value = c.getBytes(key);
        if (value < min) {
            throw new IllegalArgumentException("norc." + key + " must be at least " + min + " bytes, not " + value);
        }
        return value;
    }

    private static Duration nonNegative(Config c, String key) {
        Duration d = c.getDuration(key);
        if (d.isNegative()) {
            throw new IllegalArgumentException("norc." + key + " must not be negative, not " + d);
        }
        return d;
    }

    private static Duration positive(Config c, String key) {
        Duration d = c.getDuration(key);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("norc." + key + " must be a positive duration such as 10s, not " + d);
        }
        return d;
    }

    static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
