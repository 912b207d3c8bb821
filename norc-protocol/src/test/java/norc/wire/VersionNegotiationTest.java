package norc.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import norc.error.ErrorCode;
import norc.error.NorcException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Adjacent-Major Compatibility (spec §1.2, profile §1) against the {@code amc_negotiation} vectors,
 * version parsing and ordering, validation of the configured list, and the 1.x registry codes of
 * profile §4.5.
 */
class VersionNegotiationTest {

    static Stream<Arguments> amcVectors() {
        JsonNode section = vectors().get("amc_negotiation");
        assertThat(section).as("norc-vectors.json amc_negotiation").isNotNull();
        List<Arguments> cases = new ArrayList<>();
        for (JsonNode v : section) {
            String expected = v.has("negotiated") ? v.get("negotiated").asText() : "error:" + v.get("error").asText();
            cases.add(Arguments.of(strings(v.get("client")), strings(v.get("server")), expected));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "client {0} server {1} -> {2}")
    @MethodSource("amcVectors")
    void negotiatesAsTheVectorsSay(List<String> client, List<String> server, String expected) {
        if (expected.startsWith("error:")) {
            assertThat(expected).isEqualTo("error:" + ErrorCode.NO_COMPATIBLE_VERSION.atom());
            assertThatThrownBy(() -> VersionNegotiation.negotiate(client, server))
                    .isInstanceOfSatisfying(NorcException.class,
                            e -> assertThat(e.code()).isEqualTo(ErrorCode.NO_COMPATIBLE_VERSION));
        } else {
            assertThat(VersionNegotiation.negotiate(client, server)).isEqualTo(ProtocolVersion.parse(expected));
            assertThat(VersionNegotiation.negotiate(client, server).toString()).isEqualTo(expected);
        }
    }

    @Test
    void theVectorsAreAllThere() {
        assertThat(amcVectors()).hasSizeGreaterThanOrEqualTo(6);
        assertThat(amcVectors().filter(a -> a.get()[2].toString().startsWith("error:"))).hasSizeGreaterThanOrEqualTo(2);
    }

    @Test
    void negotiationIsSymmetricInItsResult() {
        assertThat(VersionNegotiation.negotiate(List.of("1.0", "2.0"), List.of("2.0", "1.0"))).isEqualTo(new ProtocolVersion(2, 0));
        assertThat(VersionNegotiation.negotiate(List.of("2.0", "1.0"), List.of("1.0", "2.0"))).isEqualTo(new ProtocolVersion(2, 0));
        assertThat(VersionNegotiation.negotiate(List.of("2.0.9"), List.of("2.0"))).isEqualTo(new ProtocolVersion(2, 0));
    }

    @Test
    void emptyListsHaveNoCompatibleVersion() {
        assertThatThrownBy(() -> VersionNegotiation.negotiate(List.of(), List.of("2.0")))
                .isInstanceOfSatisfying(NorcException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NO_COMPATIBLE_VERSION));
        assertThatThrownBy(() -> VersionNegotiation.negotiate(List.of("2.0"), List.<String>of()))
                .isInstanceOfSatisfying(NorcException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NO_COMPATIBLE_VERSION));
    }

    @Test
    void malformedOfferedVersionIsInvalidField() {
        assertThatThrownBy(() -> VersionNegotiation.negotiate(List.of("2"), List.of("2.0")))
                .isInstanceOfSatisfying(NorcException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_FIELD));
    }

    @Test
    void compatibilityModeIsAMajorDifference() {
        assertThat(VersionNegotiation.compatibilityMode(new ProtocolVersion(1, 2), ProtocolVersion.NATIVE)).isTrue();
        assertThat(VersionNegotiation.compatibilityMode(new ProtocolVersion(2, 1), ProtocolVersion.NATIVE)).isFalse();
    }

    // ---- configured supported list (AMC at start-up) --------------------------------------

    @Test
    void acceptsAdjacentMajorsSortedHighestFirst() {
        assertThat(VersionNegotiation.validateSupported(List.of("1.0", "2.0", "1.2", "1.1")))
                .containsExactly(new ProtocolVersion(2, 0), new ProtocolVersion(1, 2), new ProtocolVersion(1, 1),
                        new ProtocolVersion(1, 0));
        assertThat(VersionNegotiation.validateSupported(List.of("2.0", "1.2", "1.1", "1.0")).toString())
                .isEqualTo("[2.0, 1.2, 1.1, 1.0]");
        assertThat(VersionNegotiation.validateSupported(List.of("2.0"))).containsExactly(ProtocolVersion.NATIVE);
    }

    @Test
    void rejectsMoreThanTwoAdjacentMajors() {
        assertThatThrownBy(() -> VersionNegotiation.validateSupported(List.of("3.0", "1.0")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("AMC");
        assertThatThrownBy(() -> VersionNegotiation.validateSupported(List.of("3.0", "2.0", "1.0")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectsDuplicates() {
        assertThatThrownBy(() -> VersionNegotiation.validateSupported(List.of("2.0", "1.2", "2.0")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("twice");
        // a patch component is ignored, so 2.0.1 is 2.0 again
        assertThatThrownBy(() -> VersionNegotiation.validateSupported(List.of("2.0", "2.0.1")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectsEmptyAndMalformedLists() {
        assertThatThrownBy(() -> VersionNegotiation.validateSupported(List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> VersionNegotiation.validateSupported(List.of("x.y"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> VersionNegotiation.validateSupported(List.of("2.0", "x.y")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("x.y");
    }

    // ---- ProtocolVersion ------------------------------------------------------------------

    @Test
    void patchComponentIsIgnored() {
        assertThat(ProtocolVersion.parse("1.2.7")).isEqualTo(new ProtocolVersion(1, 2));
        assertThat(ProtocolVersion.parse("1.2.7")).isEqualTo(ProtocolVersion.parse("1.2"));
        assertThat(ProtocolVersion.parse("1.2.7").toString()).isEqualTo("1.2");
    }

    @Test
    void comparisonIsNumeric() {
        assertThat(ProtocolVersion.parse("1.10")).isGreaterThan(ProtocolVersion.parse("1.9"));
        assertThat(ProtocolVersion.parse("2.0")).isGreaterThan(ProtocolVersion.parse("1.10"));
        assertThat(ProtocolVersion.parse("1.10").toString()).isEqualTo("1.10");
    }

    @ParameterizedTest(name = "\"{0}\"")
    @CsvSource({"x.y", "2", "'2.'", "'.0'", "2.0.0.0", "-1.0", "2.a", "1.0x", "' 2.0'", "2..0", "256.0", "1.1000", "''"})
    void malformedVersionsAreInvalidField(String text) {
        assertThatThrownBy(() -> ProtocolVersion.parse(text))
                .isInstanceOfSatisfying(NorcException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_FIELD));
    }

    // ---- 1.x registry codes (profile §4.5) -------------------------------------------------

    @Test
    void legacyCodesOfTheRenamedTypes() {
        assertThat(MessageType.fromCode(0x01, 1)).isEqualTo(MessageType.DEVICE_REGISTER);
        assertThat(MessageType.fromCode(0x02, 1)).isEqualTo(MessageType.AUTH_REQUEST);
        assertThat(MessageType.fromCode(0x03, 1)).isEqualTo(MessageType.AUTH_RESPONSE);
        assertThat(MessageType.fromCode(0x04, 1)).isNull();
        assertThat(MessageType.fromCode(0x00, 1)).as("handshake types never appear in 1.x frames").isNull();

        assertThat(MessageType.DEVICE_REGISTER.codeFor(1)).isEqualTo(0x01);
        assertThat(MessageType.AUTH_REQUEST.codeFor(1)).isEqualTo(0x02);
        assertThat(MessageType.AUTH_RESPONSE.codeFor(1)).isEqualTo(0x03);
        assertThat(MessageType.DEVICE_REGISTER.codeFor(2)).isEqualTo(0x02);
        assertThat(MessageType.AUTH_REQUEST.codeFor(2)).isEqualTo(0x03);
        assertThat(MessageType.AUTH_RESPONSE.codeFor(2)).isEqualTo(0x04);
    }

    @Test
    void nativeCodesAndUnchangedTypes() {
        assertThat(MessageType.fromCode(0x01, 2)).isEqualTo(MessageType.CONNECTION_ACCEPTED);
        assertThat(MessageType.fromCode(0x04, 2)).isEqualTo(MessageType.AUTH_RESPONSE);
        assertThat(MessageType.fromCode(0x06, 2)).isNull();
        assertThat(MessageType.fromCode(-1, 2)).isNull();
        assertThat(MessageType.fromCode(256, 1)).isNull();
        for (MessageType type : MessageType.values()) {
            assertThat(MessageType.fromCode(type.code())).isEqualTo(type);
            assertThat(MessageType.fromCode(type.codeFor(2), 2)).isEqualTo(type);
            assertThat(MessageType.fromName(type.wireName())).isEqualTo(type);
            if (type != MessageType.CONNECTION_REQUEST && type != MessageType.CONNECTION_ACCEPTED) {
                assertThat(MessageType.fromCode(type.codeFor(1), 1)).as("%s in 1.x", type).isEqualTo(type);
            }
            boolean renamed = type == MessageType.DEVICE_REGISTER || type == MessageType.AUTH_REQUEST
                    || type == MessageType.AUTH_RESPONSE;
            if (!renamed) {
                assertThat(type.codeFor(1)).as("%s keeps its code in 1.x", type).isEqualTo(type.code());
            }
        }
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return List.copyOf(out);
    }

    private static JsonNode vectors() {
        try (InputStream in = VersionNegotiationTest.class.getResourceAsStream("/vectors/norc-vectors.json")) {
            if (in == null) {
                throw new IllegalStateException("missing test resource /vectors/norc-vectors.json");
            }
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
