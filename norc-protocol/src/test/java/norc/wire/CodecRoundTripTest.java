package norc.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.LongConsumer;
import java.util.stream.Stream;
import norc.crypto.Bytes;
import norc.wire.message.Atoms.AckStatus;
import norc.wire.message.ErrorMessage;
import norc.wire.message.FileManifest;
import norc.wire.message.MessageAck;
import norc.wire.message.NorcMessage;
import norc.wire.message.TimeSync;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Encode/decode round trips of every registered message type in both encodings (profile §4.3), with
 * random values from {@link SampleMessages}, plus hand-checked byte-exact encodings. Each case is
 * seeded; a failure names the seed, and {@code -Dnorc.wire.seed=N} replays from seed N.
 */
class CodecRoundTripTest {
    private static final int MESSAGE_TYPES = 37;
    private static final int SEEDS_PER_CASE = 25;
    private static final long BASE_SEED = Long.getLong("norc.wire.seed", 0x5EED_0000L);

    private static final BinaryCodec BINARY = new BinaryCodec(WireLimits.DEFAULT);
    private static final JsonCodec JSON = new JsonCodec(WireLimits.DEFAULT);

    static Stream<Arguments> everyTypeInEveryEncoding() {
        return Stream.of(WireEncoding.values())
                .flatMap(encoding -> Stream.of(MessageType.values()).map(type -> Arguments.of(encoding, type)));
    }

    private static Codec codec(WireEncoding encoding) {
        return encoding == WireEncoding.BINARY ? BINARY : JSON;
    }

    private static long seed(MessageType type, int i) {
        return BASE_SEED + 1000L * type.ordinal() + i;
    }

    @Test
    void casesCoverAll37TypesInBothEncodings() {
        List<Arguments> cases = everyTypeInEveryEncoding().toList();
        assertThat(MessageType.values()).hasSize(MESSAGE_TYPES);
        assertThat(cases).hasSize(2 * MESSAGE_TYPES);
        for (WireEncoding encoding : WireEncoding.values()) {
            Set<MessageType> covered = EnumSet.noneOf(MessageType.class);
            cases.stream().filter(c -> c.get()[0] == encoding).forEach(c -> covered.add((MessageType) c.get()[1]));
            assertThat(covered).as("types covered in %s", encoding).hasSize(MESSAGE_TYPES);
        }
    }

    /** Runs {@code check} for each seed of {@code type}; any failure, assertion or not, names its seed. */
    private static void forEachSeed(MessageType type, LongConsumer check) {
        for (int i = 0; i < SEEDS_PER_CASE; i++) {
            long seed = seed(type, i);
            try {
                check.accept(seed);
            } catch (RuntimeException | AssertionError e) {
                throw new AssertionError("seed " + seed + " (" + type + "; replay with -Dnorc.wire.seed=" + (seed - 1000L
                        * type.ordinal()) + "): " + e, e);
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("everyTypeInEveryEncoding")
    void messageRoundTripIsByteExact(WireEncoding encoding, MessageType type) {
        Codec codec = codec(encoding);
        forEachSeed(type, seed -> {
            NorcMessage original = new SampleMessages(seed).message(type);
            byte[] encoded = codec.encodeMessage(original);
            NorcMessage decoded = codec.decodeMessage(encoded);
            assertThat(decoded.messageType()).as("seed %d", seed).isEqualTo(type);
            assertThat(codec.encodeMessage(decoded)).as("seed %d: re-encoding of %s", seed, type).isEqualTo(encoded);
        });
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("everyTypeInEveryEncoding")
    void payloadRoundTripIsByteExact(WireEncoding encoding, MessageType type) {
        Codec codec = codec(encoding);
        forEachSeed(type, seed -> {
            NorcMessage original = new SampleMessages(seed).message(type);
            byte[] payload = codec.encodePayload(original);
            NorcMessage decoded = codec.decodePayload(type, payload, 0, payload.length);
            assertThat(decoded.messageType()).as("seed %d", seed).isEqualTo(type);
            assertThat(codec.encodePayload(decoded)).as("seed %d: re-encoding of %s", seed, type).isEqualTo(payload);

            // the same payload inside a larger buffer (as a padded frame plaintext holds it)
            byte[] framed = new byte[payload.length + 7];
            Arrays.fill(framed, (byte) 0xA5);
            System.arraycopy(payload, 0, framed, 4, payload.length);
            NorcMessage sliced = codec.decodePayload(type, framed, 4, payload.length);
            assertThat(codec.encodePayload(sliced)).as("seed %d: slice of %s", seed, type).isEqualTo(payload);
        });
    }

    /** Both decoders must lose nothing: decoding in one encoding and re-encoding in the other agrees. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(MessageType.class)
    void binaryAndJsonAgreeOnEveryValue(MessageType type) {
        forEachSeed(type, seed -> {
            NorcMessage original = new SampleMessages(seed).message(type);
            NorcMessage viaBinary = BINARY.decodeMessage(BINARY.encodeMessage(original));
            NorcMessage viaJson = JSON.decodeMessage(JSON.encodeMessage(original));
            assertThat(JSON.encodeMessage(viaBinary)).as("seed %d", seed).isEqualTo(JSON.encodeMessage(original));
            assertThat(BINARY.encodeMessage(viaJson)).as("seed %d", seed).isEqualTo(BINARY.encodeMessage(original));
        });
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("everyTypeInEveryEncoding")
    void encodingWithoutAFieldLeavesOutExactlyThatField(WireEncoding encoding, MessageType type) {
        Codec codec = codec(encoding);
        NorcMessage message = new SampleMessages(seed(type, 0)).message(type);
        String last = type.schema().fields().get(type.schema().fields().size() - 1).name();
        byte[] without = codec.encodeMessageWithout(message, last);
        if (encoding == WireEncoding.BINARY) {
            byte[] full = codec.encodeMessage(message);
            assertThat(full).startsWith(without);
        } else {
            assertThat(new String(without, StandardCharsets.UTF_8)).doesNotContain("\"" + last + "\":");
        }
    }

    // ---- hand-checked encodings -----------------------------------------------------------

    private static final UUID ID = UUID.fromString("0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f0");

    @Test
    void binaryMessageAckIsByteExact() {
        MessageAck ack = new MessageAck(ID, AckStatus.DELIVERED, Optional.empty(), Optional.empty());
        byte[] expected = concat(new byte[] {0x11}, Bytes.uuidBytes(ID), Bytes.u32(9), ascii("delivered"),
                new byte[] {0x00, 0x00});
        assertThat(Bytes.hex(BINARY.encodeMessage(ack))).isEqualTo(Bytes.hex(expected));
        assertThat(Bytes.hex(BINARY.encodePayload(ack))).isEqualTo(Bytes.hex(Arrays.copyOfRange(expected, 1, expected.length)));
    }

    @Test
    void binaryOptionalsCarryAFlagThenTheValue() {
        UUID device = UUID.fromString("00000000-0000-0000-0000-000000000001");
        MessageAck ack = new MessageAck(ID, AckStatus.FAILED, Optional.of(device), Optional.of(0xFFFF_FFFFL));
        byte[] expected = concat(new byte[] {0x11}, Bytes.uuidBytes(ID), Bytes.u32(6), ascii("failed"),
                new byte[] {0x01}, Bytes.uuidBytes(device), new byte[] {0x01}, Bytes.u32(0xFFFF_FFFFL));
        assertThat(Bytes.hex(BINARY.encodeMessage(ack))).isEqualTo(Bytes.hex(expected));
    }

    @Test
    void jsonMessageAckIsByteExact() {
        MessageAck ack = new MessageAck(ID, AckStatus.DELIVERED, Optional.empty(), Optional.empty());
        assertThat(utf8(JSON.encodeMessage(ack)))
                .isEqualTo("{\"message_id\":\"0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f0\",\"status\":\"delivered\",\"type\":\"message_ack\"}");
        assertThat(JSON.encodePayload(ack)).isEqualTo(JSON.encodeMessage(ack));
    }

    @Test
    void integerExtremesAreByteExact() {
        TimeSync sync = new TimeSync(-1L, Long.MIN_VALUE, 0xFFFF_FFFFL, Optional.empty());
        assertThat(Bytes.hex(BINARY.encodeMessage(sync))).isEqualTo(
                "33" + "ffffffffffffffff" + "8000000000000000" + "ffffffff" + "00");
        assertThat(utf8(JSON.encodeMessage(sync))).isEqualTo(
                "{\"client_time\":-1,\"server_time\":-9223372036854775808,\"type\":\"time_sync\",\"uncertainty\":4294967295}");
    }

    @Test
    void u64WithTheTopBitSetIsUnsignedInJson() {
        FileManifest manifest = new FileManifest(ID, ID, new byte[] {(byte) 0xFB, (byte) 0xFF},
                Map.of(), 0L, -1L);
        assertThat(utf8(JSON.encodeMessage(manifest))).isEqualTo("{\"chunk_count\":0,\"conversation_id\":\"" + ID
                + "\",\"encrypted_manifest\":\"-_8\",\"file_id\":\"" + ID + "\",\"keys\":{},\"padded_size\":18446744073709551615,"
                + "\"type\":\"file_manifest\"}");
        assertThat(Bytes.hex(BINARY.encodeMessage(manifest))).endsWith("00000000" + "00000000" + "ffffffffffffffff");
    }

    /** Binary map entries sort by encoded key bytes, u32 length first: "b" (length 1) before "aa". */
    @Test
    void binaryMapOrderIsByEncodedKeyBytes() {
        Map<String, String> details = new LinkedHashMap<>();
        details.put("aa", "2");
        details.put("b", "1");
        ErrorMessage error = new ErrorMessage(3001, "protocol", "x", Optional.empty(), details);
        byte[] expected = concat(new byte[] {(byte) 0xFF}, Bytes.u32(3001), Bytes.u32(8), ascii("protocol"),
                Bytes.u32(1), ascii("x"), new byte[] {0x00}, Bytes.u32(2),
                Bytes.u32(1), ascii("b"), Bytes.u32(1), ascii("1"),
                Bytes.u32(2), ascii("aa"), Bytes.u32(1), ascii("2"));
        assertThat(Bytes.hex(BINARY.encodeMessage(error))).isEqualTo(Bytes.hex(expected));
        assertThat(BINARY.encodeMessage(BINARY.decodeMessage(expected))).isEqualTo(expected);
    }

    /** JSON members sort by code point: "aa" before "b". */
    @Test
    void jsonMapOrderIsByCodePoint() {
        Map<String, String> details = new LinkedHashMap<>();
        details.put("b", "1");
        details.put("aa", "2");
        details.put("\uD83D\uDE00", "4");
        details.put("\uFFFF", "3");
        ErrorMessage error = new ErrorMessage(3001, "protocol", "x", Optional.empty(), details);
        String json = utf8(JSON.encodeMessage(error));
        assertThat(json).startsWith("{\"details\":{\"aa\":\"2\",\"b\":\"1\",");
        // U+FFFF sorts before U+1F600 by code point, although its UTF-16 unit 0xFFFF is above 0xD83D
        assertThat(json.indexOf("\"3\"")).isLessThan(json.indexOf("\"4\""));
        assertThat(json).endsWith(",\"error_category\":\"protocol\",\"error_code\":3001,\"message\":\"x\",\"type\":\"error\"}");
    }

    @Test
    void jsonStringsKeepNonAsciiAsUtf8AndEscapeOnlyWhatJsonRequires() {
        ErrorMessage error = new ErrorMessage(1, "protocol", "é日本\"\\\n", Optional.empty(), Map.of());
        assertThat(utf8(JSON.encodeMessage(error))).contains("\"message\":\"é日本\\\"\\\\\\n\"");
    }

    /**
     * Profile §4.3 says canonical JSON is UTF-8: a character outside the BMP is its 4-byte UTF-8
     * sequence, as every other JSON implementation writes it (e.g. JavaScript's JSON.stringify).
     */
    @Test
    void jsonWritesSupplementaryCharactersAsUtf8() {
        ErrorMessage error = new ErrorMessage(1, "protocol", "\uD83D\uDE00", Optional.empty(), Map.of());
        byte[] expected = concat(ascii("{\"details\":{},\"error_category\":\"protocol\",\"error_code\":1,\"message\":\""),
                new byte[] {(byte) 0xF0, (byte) 0x9F, (byte) 0x98, (byte) 0x80}, ascii("\",\"type\":\"error\"}"));
        assertThat(utf8(JSON.encodeMessage(error))).isEqualTo(utf8(expected));
        assertThat(((ErrorMessage) JSON.decodeMessage(expected)).message()).isEqualTo("\uD83D\uDE00");
    }

    /** The escapes that remain are RFC 8785 / JSON.stringify's: short forms, else lowercase \\u00xx. */
    @Test
    void jsonEscapesControlCharactersInLowercase() {
        ErrorMessage error = new ErrorMessage(1, "protocol", "\u001F\t", Optional.empty(), Map.of());
        byte[] encoded = JSON.encodeMessage(error);
        assertThat(utf8(encoded)).contains("\"message\":\"\\u001f\\t\"");
        assertThat(((ErrorMessage) JSON.decodeMessage(encoded)).message()).isEqualTo("\u001F\t");
        byte[] upper = utf8(encoded).replace("\\u001f", "\\u001F").getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> JSON.decodeMessage(upper)).isInstanceOfSatisfying(norc.error.NorcException.class,
                e -> assertThat(e.code()).isEqualTo(norc.error.ErrorCode.NON_CANONICAL));
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
