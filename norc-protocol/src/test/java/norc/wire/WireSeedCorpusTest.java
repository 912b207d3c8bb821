package norc.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.stream.Stream;
import norc.crypto.Bytes;
import norc.error.ErrorCode;
import norc.error.NorcException;
import norc.session.Padding;
import norc.session.ReceiveSession.Accepted;
import norc.session.ReceiveSession.Discarded;
import norc.session.ReceiveSession.Received;
import norc.session.SendSession;
import norc.session.SessionKeys;
import norc.wire.message.NorcMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The seed corpus of {@link WireFuzzTest}: how it is generated, and checks that the committed files
 * are there (a fuzz test in regression mode with no inputs tests nothing) and still mean what their
 * names say ({@code valid-*} accepted, {@code invalid-*} refused), so a schema change that silently
 * turns every seed into garbage fails here. Regenerate with
 * {@code mvn -o -pl norc-protocol test -Dtest=WireSeedCorpusTest -Dnorc.wire.writeSeeds=$PWD/norc-protocol/src/test/resources}.
 */
class WireSeedCorpusTest {
    static final String INPUTS = "WireFuzzTestInputs";
    static final List<String> TARGETS = List.of("binaryPayloadDecoder", "jsonDecoder", "frameDecoder", "jsonFrameDecoder",
            "sealedFrameDecoder", "authenticFrameDecoder");

    /** target → file name → content, deterministic. */
    static Map<String, Map<String, byte[]>> generate() {
        Map<String, Map<String, byte[]>> corpus = new LinkedHashMap<>();
        TARGETS.forEach(t -> corpus.put(t, new LinkedHashMap<>()));

        for (MessageType type : MessageType.values()) {
            NorcMessage message = new SampleMessages(100 + type.ordinal()).message(type);
            corpus.get("binaryPayloadDecoder").put("valid-" + type.wireName() + ".bin", WireFuzzTest.BINARY.encodeMessage(message));
            corpus.get("jsonDecoder").put("valid-" + type.wireName() + ".json", WireFuzzTest.JSON.encodeMessage(message));
            byte[] payload = WireFuzzTest.BINARY.encodePayload(message);
            corpus.get("authenticFrameDecoder").put("payload-v2-" + type.wireName() + ".bin",
                    authenticInput(type.code(), 0x00AB_CDEFL, 0, payload));
        }
        MalformedInputTest.Binary.cases().forEach(a ->
                corpus.get("binaryPayloadDecoder").put("invalid-" + slug(a) + ".bin", (byte[]) a.get()[1]));
        MalformedInputTest.Json.cases().forEach(a ->
                corpus.get("jsonDecoder").put("invalid-" + slug(a) + ".json", ((String) a.get()[1]).getBytes(StandardCharsets.UTF_8)));

        frames(corpus.get("frameDecoder"), WireFuzzTest.BINARY, ".frame");
        frames(corpus.get("jsonFrameDecoder"), WireFuzzTest.JSON, ".json");

        Map<String, byte[]> authentic = corpus.get("authenticFrameDecoder");
        NorcMessage register = new SampleMessages(7).message(MessageType.DEVICE_REGISTER);
        authentic.put("payload-v1-device_register.bin",
                authenticInput(MessageType.DEVICE_REGISTER.codeFor(1), 0, 2, WireFuzzTest.BINARY.encodePayload(register)));
        byte[] ackPayload = WireFuzzTest.BINARY.encodePayload(WireFuzzTest.SAMPLES.get(0));
        byte[] padded = Padding.pad(ackPayload);
        authentic.put("raw-plaintext-valid-padding.bin", authenticInput(0x11, 5, 1, padded));
        byte[] dirty = padded.clone();
        dirty[dirty.length - 1] = 1;
        authentic.put("raw-plaintext-nonzero-padding.bin", authenticInput(0x11, 5, 1, dirty));
        byte[] wrongBucket = Arrays.copyOf(padded, padded.length * 2);
        authentic.put("raw-plaintext-wrong-bucket.bin", authenticInput(0x11, 5, 1, wrongBucket));
        authentic.put("raw-plaintext-too-short.bin", authenticInput(0x11, 5, 1, new byte[] {0, 0}));
        authentic.put("unknown-type-0x06.bin", authenticInput(0x06, 5, 0, ackPayload));
        authentic.put("trailing-byte.bin", authenticInput(0x11, 5, 0, Arrays.copyOf(ackPayload, ackPayload.length + 1)));

        Map<String, byte[]> fdp = corpus.get("sealedFrameDecoder");
        for (int n : new int[] {8, 16, 32, 64, 128, 256}) {
            byte[] b = new byte[n];
            SplittableRandom random = new SplittableRandom(n);
            for (int i = 0; i < n; i++) {
                b[i] = (byte) random.nextInt(256);
            }
            fdp.put("random-" + n + ".bin", b);
        }
        fdp.put("zeros-64.bin", new byte[64]);
        fdp.put("ones-64.bin", WireFuzzTest.filled(64, 0xFF));
        return corpus;
    }

    private static void frames(Map<String, byte[]> out, Codec codec, String extension) {
        int i = 0;
        for (NorcMessage message : WireFuzzTest.SAMPLES) {
            String name = message.messageType().sender().allows(true) ? "valid" : "invalid-server-only";
            out.put(name + "-v2-" + message.messageType().wireName() + extension,
                    firstFrame(WireFuzzTest.KEYS_V2, codec, 1000 + i++, message));
        }
        byte[] v1 = firstFrame(WireFuzzTest.KEYS_V1, codec, 0, WireFuzzTest.SAMPLES.get(0));
        out.put("valid-v1-message_ack" + extension, v1);
        out.put("valid-v1-auth_request" + extension, firstFrame(WireFuzzTest.KEYS_V1, codec, 0, WireFuzzTest.SAMPLES.get(5)));
        byte[] v2 = firstFrame(WireFuzzTest.KEYS_V2, codec, 77, WireFuzzTest.SAMPLES.get(0));
        if (codec == WireFuzzTest.BINARY) {
            out.put("invalid-short-header" + extension, Arrays.copyOf(v2, 63));
            out.put("invalid-reserved-byte" + extension, with(v2, 63, 1));
            out.put("invalid-length-field" + extension, with(v2, 6, v2[6] + 1));
            out.put("invalid-version-bytes" + extension, with(v2, 1, 1));
            out.put("invalid-tampered-ciphertext" + extension, with(v2, v2.length - 1, v2[v2.length - 1] ^ 1));
            out.put("invalid-tampered-sequence" + extension, with(v2, 30, v2[30] ^ 1));
            byte[] noTag = Arrays.copyOf(v2, FrameHeader.V2_LENGTH + 15);
            Bytes.putU32(noTag, 3, 15);
            out.put("invalid-shorter-than-tag" + extension, noTag);
        } else {
            String json = new String(v2, StandardCharsets.UTF_8);
            out.put("invalid-version-member" + extension, json.replace("\"v\":\"2.0\"", "\"v\":\"2.1\"").getBytes(StandardCharsets.UTF_8));
            out.put("invalid-unknown-type" + extension,
                    json.replace("\"type\":\"message_ack\"", "\"type\":\"no_such\"").getBytes(StandardCharsets.UTF_8));
            int at = json.indexOf("\"ciphertext\":\"") + "\"ciphertext\":\"".length();
            String tampered = json.substring(0, at) + (json.charAt(at) == 'A' ? 'B' : 'A') + json.substring(at + 1);
            out.put("invalid-tampered-ciphertext" + extension, tampered.getBytes(StandardCharsets.UTF_8));
            out.put("invalid-missing-sequence" + extension,
                    json.replaceFirst(",\"sequence_number\":[0-9]+", "").getBytes(StandardCharsets.UTF_8));
        }
    }

    private static byte[] firstFrame(SessionKeys keys, Codec codec, long initialSequence, NorcMessage message) {
        return new SendSession(keys, codec, true, initialSequence).seal(message, new UUID(0xF4A3E, initialSequence));
    }

    private static byte[] with(byte[] frame, int index, int value) {
        byte[] copy = frame.clone();
        copy[index] = (byte) value;
        return copy;
    }

    /** The input layout of {@link WireFuzzTest#authenticFrameDecoder}. */
    static byte[] authenticInput(int typeCode, long sequence, int flags, byte[] payload) {
        byte[] out = new byte[10 + payload.length];
        out[0] = (byte) typeCode;
        Bytes.putU64(out, 1, sequence);
        out[9] = (byte) flags;
        System.arraycopy(payload, 0, out, 10, payload.length);
        return out;
    }

    private static String slug(Arguments a) {
        return a.get()[0].toString().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-|-$", "");
    }

    // ---- checks on the committed corpus ------------------------------------------------------

    static Path committed(String target) {
        URL url = WireFuzzTest.class.getResource(INPUTS + "/" + target);
        assertThat(url).as("seed corpus resource norc/wire/%s/%s", INPUTS, target).isNotNull();
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Stream<Arguments> committedFiles() {
        return TARGETS.stream().flatMap(target -> {
            try (Stream<Path> files = Files.list(committed(target))) {
                return files.filter(Files::isRegularFile).sorted().map(f -> Arguments.of(target, f.getFileName().toString(), f))
                        .toList().stream();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    @Test
    void everyTargetHasTheGeneratedCorpusCommitted() throws IOException {
        Map<String, Map<String, byte[]>> expected = generate();
        for (String target : TARGETS) {
            Path dir = committed(target);
            assertThat(expected.get(target)).as(target).hasSizeGreaterThanOrEqualTo(8);
            for (String name : expected.get(target).keySet()) {
                assertThat(dir.resolve(name)).as("%s/%s (regenerate the corpus, see class javadoc)", target, name).isRegularFile();
            }
        }
        // no files directly in the Inputs directory: Jazzer would feed them to every target
        try (Stream<Path> top = Files.list(committed(TARGETS.get(0)).getParent())) {
            assertThat(top.filter(Files::isRegularFile)).isEmpty();
        }
    }

    @ParameterizedTest(name = "{0}/{1}")
    @MethodSource("committedFiles")
    void committedSeedMeansWhatItsNameSays(String target, String name, Path file) throws IOException {
        byte[] data = Files.readAllBytes(file);
        switch (target) {
            case "binaryPayloadDecoder" -> expectDecode(name, () -> WireFuzzTest.BINARY.decodeMessage(data));
            case "jsonDecoder" -> expectDecode(name, () -> WireFuzzTest.JSON.decodeMessage(data));
            case "frameDecoder" -> expectOpen(name, () -> WireFuzzTest.receiver(data[0] == 1 ? WireFuzzTest.KEYS_V1
                    : WireFuzzTest.KEYS_V2, WireFuzzTest.BINARY).open(data));
            case "jsonFrameDecoder" -> expectOpen(name, () -> WireFuzzTest.receiver(
                    new String(data, StandardCharsets.ISO_8859_1).contains("\"v\":\"1.2\"") ? WireFuzzTest.KEYS_V1
                            : WireFuzzTest.KEYS_V2, WireFuzzTest.JSON).open(data));
            default -> assertThat(data).isNotNull(); // any bytes are meaningful input to these targets
        }
    }

    private static void expectDecode(String name, Supplier<NorcMessage> decode) {
        if (name.startsWith("valid-")) {
            assertThat(decode.get()).isNotNull();
        } else {
            assertThatThrownBy(decode::get).isInstanceOf(NorcException.class);
        }
    }

    private static void expectOpen(String name, Supplier<Received> open) {
        if (name.startsWith("valid-")) {
            assertThat(open.get()).isInstanceOf(Accepted.class);
        } else if (name.startsWith("invalid-server-only")) {
            assertThatThrownBy(open::get).isInstanceOfSatisfying(NorcException.class,
                    e -> assertThat(e.code()).isEqualTo(ErrorCode.UNEXPECTED_MESSAGE));
        } else if (name.startsWith("invalid-tampered")) {
            assertThat(open.get()).isInstanceOf(Discarded.class);
        } else {
            assertThatThrownBy(open::get).isInstanceOf(NorcException.class);
        }
    }

    /** Writes the generated corpus under the directory named by {@code -Dnorc.wire.writeSeeds}. */
    @Test
    @EnabledIfSystemProperty(named = "norc.wire.writeSeeds", matches = ".+")
    void writeSeeds() throws IOException {
        Path root = Path.of(System.getProperty("norc.wire.writeSeeds")).resolve("norc/wire").resolve(INPUTS);
        for (Map.Entry<String, Map<String, byte[]>> target : generate().entrySet()) {
            Path dir = Files.createDirectories(root.resolve(target.getKey()));
            for (Map.Entry<String, byte[]> file : target.getValue().entrySet()) {
                Files.write(dir.resolve(file.getKey()), file.getValue());
            }
        }
    }
}
