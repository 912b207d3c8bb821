package norc.server.connection;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import norc.server.connection.ConnectionHarness.State;
import norc.wire.message.ErrorMessage;
import norc.wire.message.NorcMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The committed seed corpus of {@link ConnectionActorFuzzTest}: every target has its directory
 * with the generated files ({@link ConnectionSeeds}; a fuzz test in regression mode without inputs
 * tests nothing), nothing lies directly in the {@code Inputs} directory (Jazzer would feed it to
 * every target), and each generated seed still gets the answer its name promises, so that a change
 * of schema or state machine cannot silently turn the corpus into noise that dies at the AEAD.
 * Files without {@code --} in their name ({@code found-<sha1>.bin}, inputs the fuzzer found) promise
 * nothing; the fuzz test replays them.
 * Regenerate with {@code mvn -o -pl norc-actors test -Dtest=ConnectionSeedCorpusTest
 * -Dnorc.connection.writeSeeds=$PWD/norc-actors/src/test/resources}.
 */
class ConnectionSeedCorpusTest {
    static final String INPUTS = "ConnectionActorFuzzTestInputs";
    private static final Map<String, State> STATE_OF_TARGET = Map.of("awaitingHello", State.AWAITING_HELLO,
            "authenticating", State.AUTHENTICATING, "established", State.ESTABLISHED);

    static Path committed(String target) {
        URL url = ConnectionActorFuzzTest.class.getResource(INPUTS + "/" + target);
        assertThat(url).as("seed corpus resource norc/server/connection/%s/%s", INPUTS, target).isNotNull();
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Stream<Arguments> namedSeeds() {
        return ConnectionSeeds.TARGETS.stream().flatMap(target -> {
            try (Stream<Path> files = Files.list(committed(target))) {
                return files.filter(f -> f.getFileName().toString().contains("--")).sorted()
                        .map(f -> Arguments.of(target, f.getFileName().toString(), f)).toList().stream();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    @Test
    void everyTargetHasTheGeneratedCorpusCommitted() throws IOException {
        Map<String, Map<String, byte[]>> expected = ConnectionSeeds.generate();
        assertThat(expected.keySet()).containsExactlyElementsOf(ConnectionSeeds.TARGETS)
                .containsExactlyInAnyOrderElementsOf(STATE_OF_TARGET.keySet());
        for (String target : ConnectionSeeds.TARGETS) {
            Path dir = committed(target);
            assertThat(expected.get(target)).as(target).hasSizeGreaterThanOrEqualTo(8);
            for (String name : expected.get(target).keySet()) {
                assertThat(dir.resolve(name)).as("%s/%s (regenerate the corpus, see class javadoc)", target, name).isRegularFile();
            }
        }
        try (Stream<Path> top = Files.list(committed(ConnectionSeeds.TARGETS.get(0)).getParent())) {
            assertThat(top.filter(Files::isRegularFile)).as("files directly in %s", INPUTS).isEmpty();
        }
    }

    @ParameterizedTest(name = "{0}/{1}")
    @MethodSource("namedSeeds")
    void committedSeedGetsTheAnswerItsNameSays(String target, String name, Path file) throws IOException {
        String promised = name.substring(name.indexOf("--") + 2, name.lastIndexOf('.'));
        FuzzInput input = FuzzInput.decode(Files.readAllBytes(file));
        Set<String> outcome;
        try (ConnectionHarness connection = ConnectionHarness.inState(STATE_OF_TARGET.get(target), input.session())) {
            connection.play(input.steps());
            outcome = outcome(connection);
        }
        assertThat(outcome).as("what the server did with %s/%s", target, name).contains(promised);
    }

    /** Each answer's type ({@code error-<code>} for errors, {@code sealed} when unreadable here), {@code closed}, or {@code silent}. */
    private static Set<String> outcome(ConnectionHarness connection) {
        Set<String> labels = new LinkedHashSet<>();
        for (ServerAnswers.Written written : connection.played()) {
            NorcMessage message = written.message().orElse(null);
            labels.add(message == null ? "sealed" : message instanceof ErrorMessage error ? "error-" + error.errorCode()
                    : message.messageType().wireName());
        }
        if (connection.socketClosed()) {
            labels.add("closed");
        } else if (labels.isEmpty()) {
            labels.add("silent");
        }
        return labels;
    }

    /** Writes the generated corpus under the directory named by {@code -Dnorc.connection.writeSeeds}. */
    @Test
    @EnabledIfSystemProperty(named = "norc.connection.writeSeeds", matches = ".+")
    void writeSeeds() throws IOException {
        Path root = Path.of(System.getProperty("norc.connection.writeSeeds")).resolve("norc/server/connection").resolve(INPUTS);
        for (Map.Entry<String, Map<String, byte[]>> target : ConnectionSeeds.generate().entrySet()) {
            Path dir = Files.createDirectories(root.resolve(target.getKey()));
            for (Map.Entry<String, byte[]> file : target.getValue().entrySet()) {
                Files.write(dir.resolve(file.getKey()), file.getValue());
            }
        }
    }
}
