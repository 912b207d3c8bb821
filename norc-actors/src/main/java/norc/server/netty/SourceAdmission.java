package norc.server.netty;

import java.net.InetAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import norc.server.ServerSettings;
import norc.server.device.TokenBucket;

/**
 * Per-source-address admission at TCP accept, before TLS costs anything (hardening: each set-up
 * costs X25519 + ML-KEM + Ed25519): at most {@code max-connections-per-source} open at once, and
 * new connections at most {@code new-connections-per-source-per-minute} with a burst. A refused
 * connection is closed at once. Shared by the event loops; each source's entry is locked on its
 * own. Entries of sources with nothing open are swept once their bucket is full again, so
 * closing and reopening does not refill it early.
 */
final class SourceAdmission {
    private final int maxOpen;
    private final int perMinute;
    private final int burst;
    private final Map<InetAddress, Source> sources = new ConcurrentHashMap<>();

    private static final class Source {
        final TokenBucket newConnections;
        int open;

        Source(TokenBucket newConnections) {
            this.newConnections = newConnections;
        }
    }

    SourceAdmission(ServerSettings.Transport transport) {
        this.maxOpen = transport.maxConnectionsPerSource();
        this.perMinute = transport.newConnectionsPerSourcePerMinute();
        this.burst = transport.newConnectionBurstPerSource();
    }

    /** Whether a connection from {@code source} may start now; if so it counts as open until {@link #release}. */
    boolean admit(InetAddress source) {
        long now = System.nanoTime();
        Source entry = sources.computeIfAbsent(source, s -> new Source(perMinute > 0 ? new TokenBucket(burst, perMinute, now) : null));
        synchronized (entry) {
            if (maxOpen > 0 && entry.open >= maxOpen) {
                return false;
            }
            if (entry.newConnections != null && entry.newConnections.take(now) > 0) {
                return false;
            }
            entry.open++;
            return true;
        }
    }

    void release(InetAddress source) {
        Source entry = sources.get(source);
        if (entry != null) {
            synchronized (entry) {
                entry.open--;
            }
        }
    }

    /** Forgets sources with nothing open whose bucket has refilled (called periodically). */
    void sweep() {
        long now = System.nanoTime();
        sources.entrySet().removeIf(e -> {
            synchronized (e.getValue()) {
                return e.getValue().open == 0 && (e.getValue().newConnections == null || e.getValue().newConnections.full(now));
            }
        });
    }
}
