package norc.session;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

/** The replay window against the {@code replay_window} vector and against a simple model. */
class ReplayWindowTest {

    @Test
    void followsTheVectorSteps() throws Exception {
        JsonNode vector;
        try (InputStream in = getClass().getResourceAsStream("/vectors/norc-vectors.json")) {
            vector = new ObjectMapper().readTree(in).get("replay_window");
        }
        ReplayWindow window = new ReplayWindow(vector.get("window").asInt());
        int steps = 0;
        for (JsonNode step : vector.get("steps")) {
            long seq = step.get("seq").asLong();
            boolean expected = step.get("accept").asBoolean();
            boolean fresh = window.isFresh(seq);
            assertThat(fresh).as("seq %d (%s)", seq, step.path("why").asText("")).isEqualTo(expected);
            if (fresh) {
                window.markAccepted(seq);
            }
            steps++;
        }
        assertThat(steps).isEqualTo(9);
    }

    @Test
    void aRejectedCheckDoesNotMoveTheWindow() {
        ReplayWindow window = new ReplayWindow(1024);
        window.markAccepted(10);
        assertThat(window.isFresh(5000)).isTrue();
        // isFresh alone (e.g. a forged frame whose AEAD then fails) must not evict seq 11
        assertThat(window.isFresh(11)).isTrue();
        assertThat(window.highest()).isEqualTo(10);
    }

    /**
     * Model: the set of accepted sequences and the highest one; a sequence is fresh when it was
     * never accepted and {@code highest - s < W}. Runs random walks with jumps, duplicates and old
     * sequences; the seed is printed in every assertion message.
     */
    @RepeatedTest(20)
    void matchesTheModel(RepetitionInfo repetition) {
        long seed = System.nanoTime() ^ repetition.getCurrentRepetition() * 0x9E3779B97F4A7C15L;
        SplittableRandom random = new SplittableRandom(seed);
        int size = 1024 + 64 * random.nextInt(4);
        ReplayWindow window = new ReplayWindow(size);
        Set<Long> accepted = new HashSet<>();
        long highest = -1;
        long base = random.nextLong(1L << 24);
        for (int i = 0; i < 5000; i++) {
            long seq;
            int move = random.nextInt(10);
            if (move < 5 || highest < 0) {
                seq = (highest < 0 ? base : highest) + 1 + random.nextInt(3);
            } else if (move < 7) {
                seq = highest - random.nextInt(size + 200);
            } else if (move < 8) {
                seq = highest + random.nextInt(3 * size);
            } else {
                seq = highest - random.nextInt(8);
            }
            if (seq < 0) {
                continue;
            }
            boolean modelFresh = !accepted.contains(seq) && (highest < 0 || seq > highest || highest - seq < size);
            assertThat(window.isFresh(seq)).as("seed %d step %d seq %d highest %d", seed, i, seq, highest)
                    .isEqualTo(modelFresh);
            if (modelFresh && random.nextInt(10) != 0) { // sometimes the AEAD "fails": no markAccepted
                window.markAccepted(seq);
                accepted.add(seq);
                highest = Math.max(highest, seq);
            }
        }
    }
}
