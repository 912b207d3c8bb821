package norc.server.connection;

import com.code_intelligence.jazzer.junit.FuzzTest;
import norc.server.connection.ConnectionHarness.State;

/**
 * Jazzer fuzz targets for the server's decode paths as a connection meets them: the inbound
 * WebSocket messages of one real {@link ConnectionActor}, in each of the states that read the
 * client ({@code awaitingHello}, {@code authenticating}, {@code established}; spec §7.2, profile
 * §3–5). Each input is one connection ({@link FuzzInput}: the session, then up to 16 messages, raw
 * or sealed under the real session key so that they pass the AEAD and reach the payload decoders
 * and the state machine).
 *
 * <p>A finding is any exception escaping the actor, a message from the server that is not
 * well-formed or an {@code error} outside the profile's table ({@link ServerAnswers}), a write after
 * the socket closed or a read requested twice ({@link RecordingSocket}), or a connection that
 * neither asks for more nor closes. Discarding silently and closing with an error are both fine.
 *
 * <p>Under plain {@code mvn test} each target runs once per file of its committed corpus in
 * {@code src/test/resources/norc/server/connection/ConnectionActorFuzzTestInputs/<target>/}
 * (regression mode); with {@code JAZZER_FUZZ=1} a single target is fuzzed; see
 * {@code docs/fuzzing.md}. The corpus is produced by {@link ConnectionSeeds}.
 */
class ConnectionActorFuzzTest {

    /** The messages are the first of a connection: the first is its {@code connection_request}. */
    @FuzzTest(maxDuration = "2m")
    void awaitingHello(byte[] data) {
        play(State.AWAITING_HELLO, data);
    }

    /** The messages follow the legitimate client's handshake: registration, authentication, time sync. */
    @FuzzTest(maxDuration = "2m")
    void authenticating(byte[] data) {
        play(State.AUTHENTICATING, data);
    }

    /** The messages follow the legitimate device's authentication: every NORC-C message. */
    @FuzzTest(maxDuration = "2m")
    void established(byte[] data) {
        play(State.ESTABLISHED, data);
    }

    private static void play(State state, byte[] data) {
        FuzzInput input = FuzzInput.decode(data);
        try (ConnectionHarness connection = ConnectionHarness.inState(state, input.session())) {
            connection.play(input.steps());
        }
    }
}
