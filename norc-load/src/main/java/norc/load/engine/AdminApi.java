package norc.load.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import norc.client.TransportSecurity;

/**
 * The server's operator API as the load generator uses it to provision users in bulk (profile §5
 * enrollment): {@code POST /admin/users {"user_id"}} → 201 (409 if the user exists, which is fine
 * here) and {@code POST /admin/users/{user_id}/enrollment-tokens} → 201 {@code {"token","expires_at"}}.
 * Non-blocking, on the JDK HTTP client. Plain {@code http://} only to loopback. A {@code 503} (the
 * entity behind the API did not answer in time, a loaded or recovering server) is asked again
 * after its {@code Retry-After}, a few times, as an operator's script would.
 */
public final class AdminApi {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Answers of 503 asked again before the call fails with it. */
    private static final int RETRIES_AFTER_503 = 5;
    private final URI base;
    private final HttpClient http;
    private final Duration timeout;
    private final String token;

    /** {@code token}: the server's admin bearer token ({@code norc.admin.token-file}); null sends none. */
    public AdminApi(URI base, Duration timeout, String token) {
        String scheme = String.valueOf(base.getScheme());
        if (scheme.equals("http") && !TransportSecurity.isLoopback(base.getHost())) {
            throw new IllegalArgumentException("plain http:// to the admin API is allowed only on loopback");
        }
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("the admin address must be http:// (loopback) or https://");
        }
        String text = base.toString();
        this.base = URI.create(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
        this.timeout = timeout;
        this.token = token;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).version(HttpClient.Version.HTTP_1_1).build();
    }

    /** Creates the user; completes normally also when it already exists. */
    public CompletableFuture<Void> createUser(String userId) {
        String body = JSON.createObjectNode().put("user_id", userId).toString();
        return send(post("/admin/users", body), 0)
                .thenApply(response -> {
                    if (response.statusCode() != 201 && response.statusCode() != 409) {
                        throw new AdminFailure("create user", response.statusCode());
                    }
                    return null;
                });
    }

    /** A one-time enrollment token for one device of {@code userId}. */
    public CompletableFuture<String> enrollmentToken(String userId) {
        String path = "/admin/users/" + pathSegment(userId) + "/enrollment-tokens";
        return send(post(path, ""), 0).thenApply(response -> {
            if (response.statusCode() != 201) {
                throw new AdminFailure("create enrollment token", response.statusCode());
            }
            try {
                JsonNode token = JSON.readTree(response.body()).get("token");
                if (token == null || !token.isTextual()) {
                    throw new AdminFailure("create enrollment token (no token in the answer)", response.statusCode());
                }
                return token.asText();
            } catch (IOException e) {
                throw new AdminFailure("create enrollment token (unreadable answer)", response.statusCode());
            }
        });
    }

    /** {@code request}, asked again after {@code Retry-After} (at most 10 s, plus up to 1 s of jitter) while it is answered 503. */
    private CompletableFuture<HttpResponse<String>> send(HttpRequest request, int retried) {
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).thenCompose(response -> {
            if (response.statusCode() != 503 || retried >= RETRIES_AFTER_503) {
                return CompletableFuture.completedFuture(response);
            }
            long seconds = Math.min(10, Math.max(1, response.headers().firstValueAsLong("Retry-After").orElse(1)));
            long delay = seconds * 1000 + java.util.concurrent.ThreadLocalRandom.current().nextLong(1000);
            return CompletableFuture.runAsync(() -> { },
                            CompletableFuture.delayedExecutor(delay, java.util.concurrent.TimeUnit.MILLISECONDS))
                    .thenCompose(ignored -> send(request, retried + 1));
        });
    }

    private HttpRequest post(String path, String json) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return request
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .POST(json.isEmpty() ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8))
                .build();
    }

    /** Percent-encodes everything outside RFC 3986 {@code pchar}. */
    static String pathSegment(String value) {
        StringBuilder out = new StringBuilder();
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xFF);
            boolean plain = b >= 0 && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "-._~!$&'()*+,;=:@".indexOf(c) >= 0);
            if (plain) {
                out.append(c);
            } else {
                out.append('%').append(String.format("%02X", b & 0xFF));
            }
        }
        return out.toString();
    }

    /** An admin call answered with an unexpected status; counted as {@code admin_http_<status>}. */
    public static final class AdminFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final int status;

        AdminFailure(String what, int status) {
            super(what + " answered HTTP " + status);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }
}
