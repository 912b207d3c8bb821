package norc.server.http;

import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.parameterOptional;
import static org.apache.pekko.http.javadsl.server.Directives.path;

import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import norc.crypto.Bytes;
import norc.server.audit.AuditEntries;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The audit log on the admin API (spec §6.18), read from the journal database (never from the
 * journal actor), for {@code norc admin audit verify} and {@code roots}:
 * <ul>
 *   <li>{@code GET /admin/audit/entries?from=<seq>&limit=<n>} (from 1, limit 100, at most 1000) →
 *       {@code {"entries": [{"sequence", "timestamp", "kind", "canonical_entry" (base64),
 *       "entry_hash" (hex)}, ...], "next_from": <seq> | null}}, in journal order; a row that does not
 *       decode is {@code {"sequence": <its place>, "unreadable": true}}; {@code next_from} is where the
 *       next page starts, null when this page reached the end.</li>
 *   <li>{@code GET /admin/audit/roots} → {@code [{"day": "yyyy-mm-dd" (UTC), "last_sequence",
 *       "root" (hex: the entry_hash of the day's last entry)}, ...]}, oldest day first.</li>
 * </ul>
 * When the database does not answer: 503 with {@code Retry-After}.
 */
final class AuditRoutes {
    private static final int DEFAULT_PAGE = 100;

    private AuditRoutes() {}

    static Route route(AuditEntries entries) {
        return concat(
                path(PathMatchers.segment("audit").slash("entries"), () -> get(() -> parameterOptional("from",
                        from -> parameterOptional("limit", limit -> page(entries, from, limit))))),
                path(PathMatchers.segment("audit").slash("roots"), () -> get(() -> roots(entries))));
    }

    private static Route page(AuditEntries entries, Optional<String> fromParameter, Optional<String> limitParameter) {
        long from;
        int limit;
        try {
            from = fromParameter.map(Long::parseLong).orElse(1L);
            limit = limitParameter.map(Integer::parseInt).orElse(DEFAULT_PAGE);
        } catch (NumberFormatException e) {
            from = -1;
            limit = -1;
        }
        if (from < 1 || limit < 1 || limit > AuditEntries.MAX_PAGE) {
            return AdminEndpoint.error(StatusCodes.BAD_REQUEST, "from must be at least 1 and limit 1.." + AuditEntries.MAX_PAGE);
        }
        return AdminEndpoint.answered(entries.page(from, limit), page -> {
            List<Map<String, Object>> listed = new ArrayList<>();
            page.entries().forEach(entry -> listed.add(json(entry)));
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("entries", listed);
            body.put("next_from", page.nextFrom().isPresent() ? page.nextFrom().getAsLong() : null);
            return AdminEndpoint.json(StatusCodes.OK, body);
        });
    }

    private static Map<String, Object> json(AuditEntries.Listed listed) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("sequence", listed.entry().sequence());
        if (!listed.entry().readable()) {
            out.put("unreadable", true);
            return out;
        }
        out.put("timestamp", listed.entry().timestamp());
        out.put("kind", listed.kind());
        out.put("canonical_entry", Base64.getEncoder().encodeToString(listed.entry().canonicalEntry()));
        out.put("entry_hash", Bytes.hex(listed.entry().entryHash()));
        return out;
    }

    private static Route roots(AuditEntries entries) {
        return AdminEndpoint.answered(entries.roots(), roots -> {
            List<Map<String, Object>> days = new ArrayList<>();
            for (AuditEntries.DayRoot root : roots) {
                Map<String, Object> day = new LinkedHashMap<>();
                day.put("day", root.day().toString());
                day.put("last_sequence", root.lastSequence());
                day.put("root", Bytes.hex(root.root()));
                days.add(day);
            }
            return AdminEndpoint.json(StatusCodes.OK, days);
        });
    }
}
