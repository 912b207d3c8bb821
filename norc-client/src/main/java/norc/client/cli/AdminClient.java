package norc.client.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import norc.audit.AuditVerifier;
import norc.client.DeviceIdentity;
import norc.client.TransportSecurity;
import norc.crypto.Bytes;

/**
 * The server's operator API (profile §2: HTTP on a separate port, loopback by default):
 * {@code POST /admin/users {"user_id":...}} → 201 {@code {"user_id":...}} (409 when it exists) and
 * {@code POST /admin/users/{user_id}/enrollment-tokens} → 201 {@code {"token":...,"expires_at":<s>}};
 * errors are {@code {"error":"..."}}; and the audit log (spec §6.18): {@code GET /admin/audit/entries?from=&limit=}
 * → {@code {"entries":[{"sequence","timestamp","kind","canonical_entry" (base64),"entry_hash" (hex)} |
 * {"sequence","unreadable":true}], "next_from": <seq>|null}} and {@code GET /admin/audit/roots} →
 * {@code [{"day","last_sequence","root"}]}. Plain {@code http://} is refused unless the host is
 * loopback, since tokens would cross the network in clear.
 */
final class AdminClient {
    /** The one-time token and when it expires (s since the epoch). */
    record EnrollmentToken(String token, long expiresAt) {
        @Override
        public String toString() {
            return "EnrollmentToken[expires_at=" + expiresAt + "]";
        }
    }

    /** One page of the audit log; {@code nextFrom} 0 when it was the last. */
    record AuditPage(List<AuditVerifier.Entry> entries, long nextFrom) {}

    /** A published day root: the {@code entry_hash} of the day's last entry. */
    record DayRoot(String day, long lastSequence, String root) {}

    static final int AUDIT_PAGE = 1000;
    private static final ObjectMapper JSON = new ObjectMapper();
    private final URI base;
    private final HttpClient http;
    private final Duration timeout;
    private final String token;

    /** {@code token}: the server's admin bearer token (the text of its {@code norc.admin.token-file}). */
    AdminClient(URI base, HttpClient http, Duration timeout, String token) {
        this.base = checkBase(base);
        this.http = http;
        this.timeout = timeout;
        this.token = token;
    }

    /** Refuses {@code http://} to a non-loopback host and anything but http/https. */
    static URI checkBase(URI base) {
        String scheme = base.getScheme() == null ? "" : base.getScheme().toLowerCase(Locale.ROOT);
        if (scheme.equals("http")) {
            if (!TransportSecurity.isLoopback(base.getHost())) {
                throw new IllegalArgumentException("plain http:// to the admin API is allowed only on loopback");
            }
        } else if (!scheme.equals("https")) {
            throw new IllegalArgumentException("the admin address must be http:// (loopback) or https://");
        }
        String text = base.toString();
        return URI.create(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
    }

    String createUser(String userId) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(createUserRequest(userId), HttpResponse.BodyHandlers.ofString());
        JsonNode body = parse(response, 201);
        return text(body, "user_id");
    }

    EnrollmentToken createToken(String userId) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(createTokenRequest(userId), HttpResponse.BodyHandlers.ofString());
        JsonNode body = parse(response, 201);
        JsonNode expires = body.get("expires_at");
        if (expires == null || !expires.canConvertToLong()) {
            throw new IOException("the admin API answered without expires_at");
        }
        return new EnrollmentToken(text(body, "token"), expires.asLong());
    }

    /** {@code GET base + path}, the answer's JSON when the status is {@code expected}. */
    JsonNode getJson(String path, int expected) throws IOException, InterruptedException {
        return parse(http.send(get(base + path), HttpResponse.BodyHandlers.ofString()), expected);
    }

    /** {@code POST base + path} with a JSON body, the answer's JSON when the status is {@code expected}. */
    JsonNode postJson(String path, String json, int expected) throws IOException, InterruptedException {
        return parse(http.send(post(base + path, json), HttpResponse.BodyHandlers.ofString()), expected);
    }

    AuditPage auditEntries(long from) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(get(base + "/admin/audit/entries?from=" + from + "&limit=" + AUDIT_PAGE),
                HttpResponse.BodyHandlers.ofString());
        JsonNode body = parse(response, 200);
        JsonNode entries = body.get("entries");
        if (entries == null || !entries.isArray()) {
            throw new IOException("the admin API answered without entries");
        }
        List<AuditVerifier.Entry> page = new ArrayList<>();
        for (JsonNode entry : entries) {
            page.add(auditEntry(entry));
        }
        JsonNode next = body.path("next_from");
        return new AuditPage(page, next.canConvertToLong() ? next.asLong() : 0);
    }

    /** An entry as listed; one the server could not read, or whose fields do not parse, has no bytes (it fails verification). */
    static AuditVerifier.Entry auditEntry(JsonNode entry) throws IOException {
        if (!entry.path("sequence").canConvertToLong()) {
            throw new IOException("the admin API listed an audit entry without a sequence");
        }
        long sequence = entry.get("sequence").asLong();
        if (entry.path("unreadable").asBoolean(false)) {
            return AuditVerifier.Entry.unreadable(sequence);
        }
        try {
            return new AuditVerifier.Entry(sequence, entry.path("timestamp").asLong(),
                    Base64.getDecoder().decode(entry.path("canonical_entry").asText()), Bytes.unhex(entry.path("entry_hash").asText()));
        } catch (IllegalArgumentException e) {
            return AuditVerifier.Entry.unreadable(sequence);
        }
    }

    List<DayRoot> auditRoots() throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(get(base + "/admin/audit/roots"), HttpResponse.BodyHandlers.ofString());
        JsonNode body = parse(response, 200);
        if (!body.isArray()) {
            throw new IOException("the admin API answered roots that are not a list");
        }
        List<DayRoot> roots = new ArrayList<>();
        for (JsonNode day : body) {
            roots.add(new DayRoot(Terminal.inert(day.path("day").asText()), day.path("last_sequence").asLong(),
                    Terminal.inert(day.path("root").asText())));
        }
        return roots;
    }

    private HttpRequest get(String uri) {
        return HttpRequest.newBuilder(URI.create(uri)).timeout(timeout).header("Accept", "application/json")
                .header("Authorization", "Bearer " + token).GET().build();
    }

    HttpRequest createUserRequest(String userId) {
        String body = JSON.createObjectNode().put("user_id", DeviceIdentity.requireUserId(userId)).toString();
        return post(base.toString() + "/admin/users", body);
    }

    HttpRequest createTokenRequest(String userId) {
        return post(base.toString() + "/admin/users/" + pathSegment(DeviceIdentity.requireUserId(userId))
                + "/enrollment-tokens", "");
    }

    private HttpRequest post(String uri, String json) {
        return HttpRequest.newBuilder(URI.create(uri))
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .header("Authorization", "Bearer " + token)
                .POST(json.isEmpty() ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8))
                .build();
    }

    /** The body as JSON if the status is {@code expected}; else an error naming status and message. */
    static JsonNode parse(HttpResponse<String> response, int expected) throws IOException {
        return parse(response.statusCode(), response.body(), expected);
    }

    static JsonNode parse(int status, String body, int expected) throws IOException {
        JsonNode json;
        try {
            json = body == null || body.isEmpty() ? JSON.createObjectNode() : JSON.readTree(body);
        } catch (IOException e) {
            json = JSON.createObjectNode();
        }
        if (status == expected) {
            return json;
        }
        String error = json.path("error").isTextual() ? Terminal.inert(json.get("error").asText()) : "no details";
        String meaning = switch (status) {
            case 400 -> "rejected";
            case 404 -> "not found";
            case 409 -> "already exists";
            default -> "failed";
        };
        throw new IOException("admin API " + meaning + " (HTTP " + status + "): " + error);
    }

    /** Percent-encodes everything outside RFC 3986 {@code pchar} (so {@code @} stays as it is). */
    static String pathSegment(String value) {
        StringBuilder out = new StringBuilder();
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xFF);
            boolean plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "-._~!$&'()*+,;=:@".indexOf(c) >= 0;
            if (plain && b >= 0) {
                out.append(c);
            } else {
                out.append('%').append(String.format("%02X", b & 0xFF));
            }
        }
        return out.toString();
    }

    private static String text(JsonNode body, String field) throws IOException {
        JsonNode value = body.get(field);
        if (value == null || !value.isTextual()) {
            throw new IOException("the admin API answered without " + field);
        }
        return value.asText();
    }
}
