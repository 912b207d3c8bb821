package norc.load.run;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What one worker does: its slice of users and its share of the rates. The coordinator makes one
 * per worker ({@link RunPlan#slices}) and hands it over as one JSON line; the worker needs nothing
 * else.
 *
 * <p>Two shapes. One server (or several nodes of one cluster): every user is
 * {@code userPrefix + index + "@" + domain}, provisioned through {@code adminUrl}, and connects to
 * endpoint {@code index mod n} first, then to the next ones in turn. Federated ({@code homeServers}
 * not empty): each endpoint is an independent server with its own domain, admin API and
 * certificate; user {@code index} lives on home server {@code index mod n} and connects to it
 * alone, so the pair partners 2k and 2k+1 are always on different servers and every chat message
 * crosses a federation link. {@link #userId}, {@link #endpointsOf}, {@link #adminUrlOf} and
 * {@link #trustCertificateFor} answer for both shapes.
 *
 * @param scenario {@code storm} or {@code chat}
 * @param domain the users' domain (one server); {@code null} when federated
 * @param firstUser index of this worker's first user
 * @param users how many users (one device each); in {@code chat} an even number, pairs (2k, 2k+1)
 * @param endpoints NORC-C addresses (federated: the home servers' endpoints, in the same order)
 * @param trustCertificate PEM file to trust, or {@code null} with {@code insecureLoopback} or the
 *     system's trust; when federated each home server names its own
 * @param encoding {@code binary} or {@code json}
 * @param suites cipher suites to offer, in preference order ({@code 0101}, {@code 0001})
 * @param sourceAddresses local addresses to connect from, in turn (empty: the kernel chooses)
 * @param connectPerSecond this worker's share of the session start rate
 * @param holdSeconds how long sessions are held after the ramp (storm)
 * @param churnPerSecond this worker's share of disconnect+reconnect per second during the hold
 * @param registration {@code provisioned}, {@code storm} or {@code open}
 * @param adminTokenFiles for each admin API address, the file holding its bearer token (the
 *     server's {@code norc.admin.token-file}); read by the workers, so the token is in no spec or report
 * @param adminUrl the operator API (not used with {@code open}); when federated each home server
 *     names its own
 * @param messagesPerMinute per device (chat)
 * @param burst messages each device sends back to back when the chat starts (chat)
 * @param messageBytes size of each message's text (chat)
 * @param chatSeconds how long devices send (chat)
 * @param maxDurationSeconds hard bound on the measured phase; the worker stops when it passes
 * @param maxPending session setups in progress at most; the ramp waits above it, so that a
 *     generator that cannot keep up does not pile up connections that only time out
 * @param reconnect whether a session whose connection is lost connects again (to its next
 *     endpoint, with exponential backoff and full jitter) instead of ending
 * @param reconnectBaseMillis the backoff's first ceiling
 * @param reconnectCapMillis the backoff's largest ceiling
 * @param dropPerSecond this worker's share of connections cut per second by the generator itself
 *     during the hold (storm) or the sending (chat)
 * @param drainMillis how long chat waits after sending for accepted messages to arrive
 * @param homeServers the federated servers, user {@code index} on {@code index mod size}; empty for
 *     one server
 */
public record WorkerSpec(String scenario, int workerIndex, String runId, String userPrefix, String domain,
                         int firstUser, int users, List<String> endpoints, String trustCertificate,
                         boolean insecureLoopback, String encoding, List<String> suites,
                         List<String> sourceAddresses, int ioThreads, int cryptoThreads,
                         double connectPerSecond, int holdSeconds, double churnPerSecond,
                         String registration, String adminUrl, int provisionConcurrency,
                         double messagesPerMinute, int burst, int messageBytes, int chatSeconds, int maxInFlight,
                         int connectTimeoutSeconds, int requestTimeoutSeconds, int maxDurationSeconds,
                         int maxMessageBytes, int maxPending, boolean reconnect, long reconnectBaseMillis,
                         long reconnectCapMillis, double dropPerSecond, long drainMillis,
                         List<HomeServer> homeServers, Map<String, String> adminTokenFiles) {
    /**
     * One federated server as its users see it.
     *
     * @param endpoint its NORC-C address
     * @param adminUrl its operator API ({@code null} with {@code open} registration)
     * @param trustCertificate the PEM file of its certificate ({@code null}: the run's
     *     {@code insecureLoopback} or the system's trust)
     * @param domain its server id, the domain of its users ({@code null} until asked)
     */
    public record HomeServer(String endpoint, String adminUrl, String trustCertificate, String domain) {
        public HomeServer {
            Objects.requireNonNull(endpoint, "endpoint");
        }

        public HomeServer withDomain(String value) {
            return new HomeServer(endpoint, adminUrl, trustCertificate, value);
        }
    }

    public WorkerSpec {
        Objects.requireNonNull(scenario, "scenario");
        endpoints = List.copyOf(endpoints);
        suites = List.copyOf(suites);
        sourceAddresses = List.copyOf(sourceAddresses);
        homeServers = homeServers == null ? List.of() : List.copyOf(homeServers);
        adminTokenFiles = adminTokenFiles == null ? Map.of() : Map.copyOf(adminTokenFiles);
        if (!homeServers.isEmpty()) {
            if (!endpoints.equals(homeServers.stream().map(HomeServer::endpoint).toList())) {
                throw new IllegalArgumentException("a federated run's endpoints are its home servers' endpoints");
            }
            if (homeServers.size() < 2) {
                throw new IllegalArgumentException("a federated run needs at least two servers");
            }
            List<String> domains = homeServers.stream().map(HomeServer::domain).filter(Objects::nonNull).toList();
            if (domain != null || trustCertificate != null || adminUrl != null) {
                throw new IllegalArgumentException("a federated run keeps domain, admin and certificate per home server");
            }
            if (new HashSet<>(domains).size() < domains.size()) {
                throw new IllegalArgumentException("federated servers must each have their own domain: " + domains);
            }
        }
        if (maxPending <= 0) {
            throw new IllegalArgumentException("maxPending must be positive");
        }
        if (users < 0 || firstUser < 0) {
            throw new IllegalArgumentException("negative user slice");
        }
        if (reconnectBaseMillis <= 0 || reconnectCapMillis < reconnectBaseMillis || dropPerSecond < 0 || drainMillis < 0) {
            throw new IllegalArgumentException("reconnect backoff needs 0 < base <= cap; drop and drain must not be negative");
        }
    }

    /** Whether the users are spread over several federated servers. */
    public boolean federated() {
        return !homeServers.isEmpty();
    }

    /** The home server of user {@code index} (federated runs only). */
    public HomeServer homeServerOf(int index) {
        if (!federated()) {
            throw new IllegalStateException("not a federated run");
        }
        return homeServers.get(Math.floorMod(index, homeServers.size()));
    }

    /** User {@code index}'s id: on its home server's domain when federated, else on {@link #domain}. */
    public String userId(int index) {
        return userPrefix + index + "@" + (federated() ? homeServerOf(index).domain() : domain);
    }

    /**
     * The endpoints user {@code index} connects to, in order (reconnects go on down the list and
     * wrap): when federated only its home server's, since the user exists there alone; else its
     * own ({@code index mod n}) first, then the next ones in turn.
     */
    public List<URI> endpointsOf(int index) {
        if (federated()) {
            return List.of(URI.create(homeServerOf(index).endpoint()));
        }
        int count = endpoints.size();
        List<URI> out = new ArrayList<>(count);
        for (int k = 0; k < count; k++) {
            out.add(URI.create(endpoints.get(Math.floorMod(index + k, count))));
        }
        return out;
    }

    /** The operator API that creates user {@code index} and its enrollment token. */
    /** The bearer token of the admin API at {@code url}, read from its file; null when none is named. */
    public String adminTokenOf(String url) {
        String file = adminTokenFiles.get(url);
        if (file == null) {
            return null;
        }
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of(file), java.nio.charset.StandardCharsets.US_ASCII).strip();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read the admin token " + file, e);
        }
    }

    public String adminUrlOf(int index) {
        return federated() ? homeServerOf(index).adminUrl() : adminUrl;
    }

    /** The certificate file to trust at {@code endpoint} ({@code null}: none named). */
    public String trustCertificateFor(String endpoint) {
        if (!federated()) {
            return trustCertificate;
        }
        return homeServers.stream().filter(h -> h.endpoint().equals(endpoint)).findFirst()
                .map(HomeServer::trustCertificate)
                .orElseThrow(() -> new IllegalArgumentException("not a server of this run: " + endpoint));
    }

    /** The same spec for another slice and rate shares. */
    public WorkerSpec slice(int worker, int first, int count, double connectRate, double churnRate, double dropRate,
                            List<String> addresses) {
        return new WorkerSpec(scenario, worker, runId, userPrefix, domain, first, count, endpoints, trustCertificate,
                insecureLoopback, encoding, suites, addresses, ioThreads, cryptoThreads, connectRate, holdSeconds,
                churnRate, registration, adminUrl, provisionConcurrency, messagesPerMinute, burst, messageBytes,
                chatSeconds, maxInFlight, connectTimeoutSeconds, requestTimeoutSeconds, maxDurationSeconds,
                maxMessageBytes, maxPending, reconnect, reconnectBaseMillis, reconnectCapMillis, dropRate, drainMillis,
                homeServers, adminTokenFiles);
    }

    public WorkerSpec withDomain(String value) {
        return new WorkerSpec(scenario, workerIndex, runId, userPrefix, value, firstUser, users, endpoints,
                trustCertificate, insecureLoopback, encoding, suites, sourceAddresses, ioThreads, cryptoThreads,
                connectPerSecond, holdSeconds, churnPerSecond, registration, adminUrl, provisionConcurrency,
                messagesPerMinute, burst, messageBytes, chatSeconds, maxInFlight, connectTimeoutSeconds,
                requestTimeoutSeconds, maxDurationSeconds, maxMessageBytes, maxPending, reconnect, reconnectBaseMillis,
                reconnectCapMillis, dropPerSecond, drainMillis, homeServers, adminTokenFiles);
    }

    /** The same spec with these home servers (e.g. once their domains are known). */
    public WorkerSpec withHomeServers(List<HomeServer> value) {
        return new WorkerSpec(scenario, workerIndex, runId, userPrefix, domain, firstUser, users, endpoints,
                trustCertificate, insecureLoopback, encoding, suites, sourceAddresses, ioThreads, cryptoThreads,
                connectPerSecond, holdSeconds, churnPerSecond, registration, adminUrl, provisionConcurrency,
                messagesPerMinute, burst, messageBytes, chatSeconds, maxInFlight, connectTimeoutSeconds,
                requestTimeoutSeconds, maxDurationSeconds, maxMessageBytes, maxPending, reconnect, reconnectBaseMillis,
                reconnectCapMillis, dropPerSecond, drainMillis, value, adminTokenFiles);
    }
}
