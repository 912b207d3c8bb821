package norc.load.run;

import java.util.List;
import java.util.Objects;

/**
 * What one worker does: its slice of users and its share of the rates. The coordinator makes one
 * per worker ({@link RunPlan#slices}) and hands it over as one JSON line; the worker needs nothing
 * else.
 *
 * @param scenario {@code storm} or {@code chat}
 * @param firstUser index of this worker's first user; users are {@code userPrefix + index + "@" + domain}
 * @param users how many users (one device each); in {@code chat} an even number, pairs (2k, 2k+1)
 * @param endpoints NORC-C addresses; sessions take them in turn
 * @param trustCertificate PEM file to trust, or {@code null} with {@code insecureLoopback}
 * @param encoding {@code binary} or {@code json}
 * @param suites cipher suites to offer, in preference order ({@code 0101}, {@code 0001})
 * @param sourceAddresses local addresses to connect from, in turn (empty: the kernel chooses)
 * @param connectPerSecond this worker's share of the session start rate
 * @param holdSeconds how long sessions are held after the ramp (storm)
 * @param churnPerSecond this worker's share of disconnect+reconnect per second during the hold
 * @param registration {@code provisioned}, {@code storm} or {@code open}
 * @param adminUrl the operator API (not used with {@code open})
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
                         long reconnectCapMillis, double dropPerSecond, long drainMillis) {
    public WorkerSpec {
        Objects.requireNonNull(scenario, "scenario");
        endpoints = List.copyOf(endpoints);
        suites = List.copyOf(suites);
        sourceAddresses = List.copyOf(sourceAddresses);
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

    public String userId(int index) {
        return userPrefix + index + "@" + domain;
    }

    /** The same spec for another slice and rate shares. */
    public WorkerSpec slice(int worker, int first, int count, double connectRate, double churnRate, double dropRate,
                            List<String> addresses) {
        return new WorkerSpec(scenario, worker, runId, userPrefix, domain, first, count, endpoints, trustCertificate,
                insecureLoopback, encoding, suites, addresses, ioThreads, cryptoThreads, connectRate, holdSeconds,
                churnRate, registration, adminUrl, provisionConcurrency, messagesPerMinute, burst, messageBytes,
                chatSeconds, maxInFlight, connectTimeoutSeconds, requestTimeoutSeconds, maxDurationSeconds,
                maxMessageBytes, maxPending, reconnect, reconnectBaseMillis, reconnectCapMillis, dropRate, drainMillis);
    }

    public WorkerSpec withDomain(String value) {
        return new WorkerSpec(scenario, workerIndex, runId, userPrefix, value, firstUser, users, endpoints,
                trustCertificate, insecureLoopback, encoding, suites, sourceAddresses, ioThreads, cryptoThreads,
                connectPerSecond, holdSeconds, churnPerSecond, registration, adminUrl, provisionConcurrency,
                messagesPerMinute, burst, messageBytes, chatSeconds, maxInFlight, connectTimeoutSeconds,
                requestTimeoutSeconds, maxDurationSeconds, maxMessageBytes, maxPending, reconnect, reconnectBaseMillis,
                reconnectCapMillis, dropPerSecond, drainMillis);
    }
}
