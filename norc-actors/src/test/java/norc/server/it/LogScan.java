package norc.server.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Scans a log written with the tests' pattern ({@code time level logger mdc - message}, then any
 * stack trace) for what the server must never log (spec §6.3, §6.18): a UUID (device, conversation
 * and message ids are UUIDs), something shaped like a user id ({@code local@domain}), and given
 * literals (message contents, ids). Lines of the SDK and the tests themselves are not the
 * server's, and are skipped. The one UUID Pekko prints that names nobody, the journal writer's
 * incarnation id inside {@code PersistentRepr(pid,seq,writer,...)}, is allowed.
 */
final class LogScan {
    private static final Pattern ENTRY = Pattern.compile("^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} +[A-Z]+ +(\\S+) ");
    private static final Pattern UUID = Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final Pattern WRITER_UUID = Pattern.compile("PersistentRepr\\([^,()]*,\\d+," + UUID.pattern() + ",");
    /** {@code x@localhost} or {@code x@name.tld}; Pekko's {@code system@127.0.0.1} and {@code ://system@host} are addresses. */
    private static final Pattern USER_ID = Pattern.compile(
            "(?<![\\w.+-])[\\w.+-]+@(localhost|[\\w-]+(\\.[\\w-]+)*\\.[A-Za-z]{2,})(?![\\w.-])");
    private static final Pattern PEKKO_ADDRESS = Pattern.compile("(pekko(\\.tcp)?://|sourceActorSystem=|system=)[\\w-]+@");
    private static final List<String> NOT_THE_SERVER = List.of("norc.client.", "norc.server.it.");

    /** One offending line, with what matched. */
    record Finding(int lineNumber, String what, String line) {
        @Override
        public String toString() {
            return "line " + lineNumber + " (" + what + "): " + (line.length() > 300 ? line.substring(0, 300) + "…" : line);
        }
    }

    record Result(int lines, int serverLines, List<Finding> findings) {}

    private LogScan() {}

    static Result scan(Path log, Collection<String> literals) throws IOException {
        return scan(Files.readAllLines(log, StandardCharsets.UTF_8), literals);
    }

    static Result scan(List<String> lines, Collection<String> literals) {
        List<Finding> findings = new ArrayList<>();
        boolean server = false;
        int serverLines = 0;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            Matcher entry = ENTRY.matcher(line);
            if (entry.find()) { // a stack trace line belongs to the entry above it
                String logger = entry.group(1);
                server = NOT_THE_SERVER.stream().noneMatch(logger::startsWith);
            }
            if (!server) {
                continue;
            }
            serverLines++;
            String what = offence(line, literals);
            if (what != null) {
                findings.add(new Finding(i + 1, what, line));
            }
        }
        return new Result(lines.size(), serverLines, findings);
    }

    private static String offence(String line, Collection<String> literals) {
        String rest = WRITER_UUID.matcher(line).replaceAll("PersistentRepr(-,-,-,");
        if (UUID.matcher(rest).find()) {
            return "a UUID";
        }
        // an actor name holds a user id URL-encoded
        Matcher user = USER_ID.matcher(PEKKO_ADDRESS.matcher(rest.replace("%40", "@")).replaceAll("-"));
        if (user.find()) {
            return "a user id";
        }
        for (String literal : literals) {
            if (rest.contains(literal)) {
                return "a literal of the traffic";
            }
        }
        return null;
    }
}
