package norc.wire;

import static norc.wire.CodecRoundTripTest.ascii;
import static norc.wire.CodecRoundTripTest.concat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import norc.error.ErrorCode;
import norc.error.NorcException;
import norc.wire.message.Atoms.AckStatus;
import norc.wire.message.ErrorMessage;
import norc.wire.message.MessageAck;
import norc.wire.message.NorcMessage;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Strict decoding (profile §4.3): every malformed input is rejected with one exact error code, never
 * with another exception, and never after allocating for a declared size the input cannot hold.
 */
class MalformedInputTest {
    private static final BinaryCodec BINARY = new BinaryCodec(WireLimits.DEFAULT);
    private static final JsonCodec JSON = new JsonCodec(WireLimits.DEFAULT);
    private static final UUID ID = UUID.fromString("0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f0");
    private static final String ID_TEXT = ID.toString();

    static void assertRejected(ThrowingCallable call, ErrorCode expected) {
        assertThatThrownBy(call).isInstanceOfSatisfying(NorcException.class,
                e -> assertThat(e.code()).as("%s", e).isEqualTo(expected));
    }

    private static WireWriter w() {
        return new WireWriter();
    }

    private static WireWriter string(WireWriter out, String s) {
        return out.bytes(s.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code error} up to and including {@code message}: type, error_code, error_category, message. */
    private static WireWriter errorHead(byte[] messageUtf8) {
        WireWriter out = w().u8(0xFF).u32(3001);
        string(out, "protocol");
        return out.bytes(messageUtf8);
    }

    /** A complete {@code error} whose details map holds the given keys (value "v") in the given order. */
    private static byte[] errorWithDetailKeys(String... keys) {
        WireWriter out = errorHead(ascii("m")).u8(0).u32(keys.length);
        for (String k : keys) {
            string(out, k);
            string(out, "v");
        }
        return out.toByteArray();
    }

    private static byte[] errorWithMessage(byte[] utf8) {
        return errorHead(utf8).u8(0).u32(0).toByteArray();
    }

    /** {@code message_ack} with raw control over the status atom and the two optional flags. */
    private static byte[] ack(String status, int deviceFlag, int errorFlag) {
        WireWriter out = w().u8(0x11).uuid(ID);
        string(out, status).u8(deviceFlag);
        if (deviceFlag == 1) {
            out.uuid(ID);
        }
        return out.u8(errorFlag).toByteArray();
    }

    @Nested
    class Binary {
        static Stream<Arguments> cases() {
            byte[] validAck = ack("delivered", 0, 0);
            byte[] validError = errorWithDetailKeys("b", "aa");
            return Stream.of(
                    arguments("trailing byte after message_ack", concat(validAck, new byte[] {0}), ErrorCode.TRAILING_BYTES),
                    arguments("trailing byte after error", concat(validError, new byte[] {0}), ErrorCode.TRAILING_BYTES),
                    arguments("map keys unsorted (aa before b)", errorWithDetailKeys("aa", "b"), ErrorCode.NON_CANONICAL),
                    arguments("map keys duplicated", errorWithDetailKeys("b", "b"), ErrorCode.NON_CANONICAL),
                    arguments("map keys sorted as strings, not as encoded bytes", errorWithDetailKeys("a", "aa", "b"),
                            ErrorCode.NON_CANONICAL),
                    arguments("overlong UTF-8 C0 80", errorWithMessage(new byte[] {(byte) 0xC0, (byte) 0x80}), ErrorCode.INVALID_UTF8),
                    arguments("UTF-8 encoded lone surrogate ED A0 80",
                            errorWithMessage(new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}), ErrorCode.INVALID_UTF8),
                    arguments("truncated UTF-8 sequence E6 97",
                            errorWithMessage(new byte[] {'a', (byte) 0xE6, (byte) 0x97}), ErrorCode.INVALID_UTF8),
                    arguments("UTF-8 above U+10FFFF F4 90 80 80",
                            errorWithMessage(new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}), ErrorCode.INVALID_UTF8),
                    arguments("invalid UTF-8 in a map key", errorWithDetailKeysRaw(new byte[] {(byte) 0xFF}), ErrorCode.INVALID_UTF8),
                    arguments("optional flag byte 2", ack("delivered", 2, 0), ErrorCode.INVALID_FLAG),
                    arguments("optional flag byte 0xFF", ack("delivered", 0, 0xFF), ErrorCode.INVALID_FLAG),
                    arguments("bool byte 2", keyResponseWithVerified(2), ErrorCode.INVALID_FLAG),
                    arguments("message ends after a field", errorHead(new byte[0]).toByteArray(), ErrorCode.TRUNCATED),
                    arguments("string length 100 with 3 bytes left", concat(w().u8(0xFF).u32(3001).u32(100).toByteArray(), ascii("pro")),
                            ErrorCode.TRUNCATED),
                    arguments("bytes length past the end", extensionWithDataLength(10, 2), ErrorCode.TRUNCATED),
                    arguments("message cut inside a uuid", Arrays.copyOf(validAck, 9), ErrorCode.TRUNCATED),
                    arguments("message with its last byte missing", Arrays.copyOf(validAck, validAck.length - 1), ErrorCode.TRUNCATED),
                    arguments("empty input", new byte[0], ErrorCode.TRUNCATED),
                    arguments("list count 0xFFFFFFFF", w().u8(0x30).u32(0xFFFF_FFFFL).toByteArray(), ErrorCode.LIMIT_EXCEEDED),
                    arguments("map count 0xFFFFFFFF", errorHead(ascii("m")).u8(0).u32(0xFFFF_FFFFL).toByteArray(),
                            ErrorCode.LIMIT_EXCEEDED),
                    arguments("list count 4097 (one over the default limit)", w().u8(0x30).u32(4097).toByteArray(),
                            ErrorCode.LIMIT_EXCEEDED),
                    arguments("list count 100 within the limit, 10 bytes left", concat(w().u8(0x30).u32(100).toByteArray(), new byte[10]),
                            ErrorCode.TRUNCATED),
                    arguments("map count 2 with one entry", errorHead(ascii("m")).u8(0).u32(2).u32(1).u8('k').u32(1).u8('v')
                            .toByteArray(), ErrorCode.TRUNCATED),
                    arguments("unknown type code 0x06", concat(new byte[] {0x06}, validAck), ErrorCode.UNKNOWN_MESSAGE_TYPE),
                    arguments("unknown type code 0x16", new byte[] {0x16}, ErrorCode.UNKNOWN_MESSAGE_TYPE),
                    arguments("public key of 31 bytes", deviceRegisterWithPublicKey(31), ErrorCode.INVALID_FIELD),
                    arguments("public key of 33 bytes", deviceRegisterWithPublicKey(33), ErrorCode.INVALID_FIELD),
                    arguments("atom with uppercase", presenceWithCapability("Voice"), ErrorCode.INVALID_FIELD),
                    arguments("empty atom", presenceWithCapability(""), ErrorCode.INVALID_FIELD),
                    arguments("unknown enum atom status \"sent\"", ack("sent", 0, 0), ErrorCode.INVALID_FIELD),
                    arguments("enum atom in upper case \"DELIVERED\"", ack("DELIVERED", 0, 0), ErrorCode.INVALID_FIELD));
        }

        @ParameterizedTest(name = "{0} -> {2}")
        @MethodSource("cases")
        void decodeMessageRejects(String name, byte[] input, ErrorCode expected) {
            assertRejected(() -> BINARY.decodeMessage(input), expected);
        }

        @Test
        void validInputsOfTheTableAreAccepted() {
            assertThat(BINARY.decodeMessage(ack("delivered", 0, 0))).isInstanceOf(MessageAck.class);
            assertThat(BINARY.decodeMessage(errorWithDetailKeys("b", "aa"))).isInstanceOf(ErrorMessage.class);
            assertThat(BINARY.decodeMessage(errorWithDetailKeys("a", "b", "aa", "ab"))).isInstanceOf(ErrorMessage.class)
                    .isNotNull();
            assertThat(BINARY.decodeMessage(keyResponseWithVerified(1))).isNotNull();
            assertThat(BINARY.decodeMessage(deviceRegisterWithPublicKey(32))).isNotNull();
            assertThat(BINARY.decodeMessage(presenceWithCapability("voice_2"))).isNotNull();
            assertThat(BINARY.decodeMessage(extensionWithDataLength(2, 2))).isNotNull();
        }

        @Test
        void hugeCountsFailBeforeAnyAllocation() {
            WireLimits unbounded = new WireLimits(Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE);
            BinaryCodec codec = new BinaryCodec(unbounded);
            // 2^31-1 list entries (and map entries) would need gigabytes if allocated before checking the bytes left
            assertRejected(() -> codec.decodeMessage(w().u8(0x30).u32(0x7FFF_FFFFL).toByteArray()), ErrorCode.TRUNCATED);
            assertRejected(() -> codec.decodeMessage(errorHead(ascii("m")).u8(0).u32(0x7FFF_FFFFL).toByteArray()),
                    ErrorCode.TRUNCATED);
            assertRejected(() -> codec.decodeMessage(w().u8(0x30).u32(0xFFFF_FFFFL).toByteArray()), ErrorCode.LIMIT_EXCEEDED);
            assertRejected(() -> codec.decodeMessage(w().u8(0xFE).u32(0xFFFF_FFF0L).toByteArray()), ErrorCode.TRUNCATED);
        }

        @Test
        void messageOverMaxMessageBytes() {
            BinaryCodec small = new BinaryCodec(new WireLimits(32, 16, 32));
            byte[] ack = ack("delivered", 1, 0); // 1 + 16 + 13 + 1 + 16 + 1 = 48 bytes, valid
            assertThat(BINARY.decodeMessage(ack)).isInstanceOf(MessageAck.class);
            assertRejected(() -> small.decodeMessage(ack), ErrorCode.LIMIT_EXCEEDED);
            byte[] payload = Arrays.copyOfRange(ack, 1, ack.length);
            assertRejected(() -> small.decodePayload(MessageType.MESSAGE_ACK, payload, 0, payload.length), ErrorCode.LIMIT_EXCEEDED);
            byte[] fits = ack("delivered", 0, 0);
            assertThat(small.decodeMessage(fits)).isInstanceOf(MessageAck.class);
        }

        @Test
        void stringOverMaxStringBytes() {
            BinaryCodec small = new BinaryCodec(new WireLimits(1024, 16, 8));
            assertThat(small.decodeMessage(errorWithMessage(ascii("12345678")))).isInstanceOf(ErrorMessage.class);
            assertRejected(() -> small.decodeMessage(errorWithMessage(ascii("123456789"))), ErrorCode.LIMIT_EXCEEDED);
        }

        @Test
        void collectionOverMaxCollectionCount() {
            BinaryCodec small = new BinaryCodec(new WireLimits(1024, 2, 64));
            assertThat(small.decodeMessage(errorWithDetailKeys("a", "b"))).isInstanceOf(ErrorMessage.class);
            assertRejected(() -> small.decodeMessage(errorWithDetailKeys("a", "b", "c")), ErrorCode.LIMIT_EXCEEDED);
        }

        @Test
        void payloadDecodingIsAsStrictAsMessageDecoding() {
            byte[] full = Arrays.copyOfRange(ack("delivered", 0, 0), 1, ack("delivered", 0, 0).length);
            byte[] payload = Arrays.copyOf(full, full.length - 1);
            assertRejected(() -> BINARY.decodePayload(MessageType.MESSAGE_ACK, payload, 0, payload.length), ErrorCode.TRUNCATED);
            byte[] trailing = concat(full, new byte[] {0});
            assertRejected(() -> BINARY.decodePayload(MessageType.MESSAGE_ACK, trailing, 0, trailing.length),
                    ErrorCode.TRAILING_BYTES);
            // the range ends early even though the array goes on
            assertRejected(() -> BINARY.decodePayload(MessageType.MESSAGE_ACK, trailing, 0, full.length - 1), ErrorCode.TRUNCATED);
        }

        private static byte[] errorWithDetailKeysRaw(byte[] key) {
            return errorHead(ascii("m")).u8(0).u32(1).bytes(key).bytes(ascii("v")).toByteArray();
        }

        private static byte[] keyResponseWithVerified(int flag) {
            WireWriter out = w().u8(0x31).u32(1);
            string(out, "u@a.example").u32(1).uuid(ID).bytes(new byte[32]).bytes(new byte[32]);
            return string(out, "ed25519").u64(1_700_000_000L).u8(flag).toByteArray();
        }

        private static byte[] extensionWithDataLength(int declared, int present) {
            WireWriter out = w().u8(0xFE);
            string(out, "x.example/ext");
            string(out, "1");
            return out.u32(declared).raw(new byte[present]).toByteArray();
        }

        private static byte[] deviceRegisterWithPublicKey(int length) {
            WireWriter out = w().u8(0x02).uuid(ID);
            string(out, "alice@a.example").bytes(new byte[length]).bytes(new byte[32]);
            string(out, "phone");
            string(out, "mobile").u32(0);
            return out.u8(0).u8(0).bytes(new byte[64]).toByteArray();
        }

        private static byte[] presenceWithCapability(String capability) {
            WireWriter out = w().u8(0x20);
            string(out, "online").u8(0).u32(1);
            string(out, capability).u64(0);
            return out.u8(0).toByteArray();
        }
    }

    @Nested
    class Json {
        private static final String ACK = "{\"message_id\":\"" + ID_TEXT + "\",\"status\":\"delivered\",\"type\":\"message_ack\"}";
        private static final String ERROR_HEAD = "{\"details\":{},\"error_category\":\"protocol\",\"error_code\":";

        private static String error(String errorCode, String message) {
            return ERROR_HEAD + errorCode + ",\"message\":\"" + message + "\",\"type\":\"error\"}";
        }

        private static String extension(String data) {
            return "{\"extension_data\":\"" + data + "\",\"extension_id\":\"x\",\"extension_version\":\"1\",\"type\":\"extension\"}";
        }

        static Stream<Arguments> cases() {
            return Stream.of(
                    arguments("members unsorted",
                            "{\"status\":\"delivered\",\"message_id\":\"" + ID_TEXT + "\",\"type\":\"message_ack\"}", ErrorCode.NON_CANONICAL),
                    arguments("type member out of order",
                            "{\"type\":\"message_ack\",\"message_id\":\"" + ID_TEXT + "\",\"status\":\"delivered\"}", ErrorCode.NON_CANONICAL),
                    arguments("duplicate member", "{\"message_id\":\"" + ID_TEXT + "\",\"message_id\":\"" + ID_TEXT
                            + "\",\"status\":\"delivered\",\"type\":\"message_ack\"}", ErrorCode.NON_CANONICAL),
                    arguments("map keys unsorted", "{\"details\":{\"b\":\"1\",\"aa\":\"2\"},\"error_category\":\"protocol\","
                            + "\"error_code\":1,\"message\":\"m\",\"type\":\"error\"}", ErrorCode.NON_CANONICAL),
                    arguments("map keys duplicated", "{\"details\":{\"a\":\"1\",\"a\":\"1\"},\"error_category\":\"protocol\","
                            + "\"error_code\":1,\"message\":\"m\",\"type\":\"error\"}", ErrorCode.NON_CANONICAL),
                    arguments("space after a colon", ACK.replace("\"status\":", "\"status\": "), ErrorCode.NON_CANONICAL),
                    arguments("space after a comma", ACK.replace(",\"status\"", ", \"status\""), ErrorCode.NON_CANONICAL),
                    arguments("leading newline", "\n" + ACK, ErrorCode.NON_CANONICAL),
                    arguments("missing required member", "{\"message_id\":\"" + ID_TEXT + "\",\"type\":\"message_ack\"}",
                            ErrorCode.INVALID_FIELD),
                    arguments("unknown member", "{\"extra\":1,\"message_id\":\"" + ID_TEXT
                            + "\",\"status\":\"delivered\",\"type\":\"message_ack\"}", ErrorCode.INVALID_FIELD),
                    arguments("explicit null for an absent optional", "{\"device_id\":null,\"message_id\":\"" + ID_TEXT
                            + "\",\"status\":\"delivered\",\"type\":\"message_ack\"}", ErrorCode.INVALID_FIELD),
                    arguments("base64 with padding ==", extension("AQ=="), ErrorCode.NON_CANONICAL),
                    arguments("base64 with a single =", extension("AQ="), ErrorCode.INVALID_FIELD),
                    arguments("base64 with non-zero trailing bits", extension("AR"), ErrorCode.NON_CANONICAL),
                    arguments("standard base64 + and /", extension("+/8"), ErrorCode.INVALID_FIELD),
                    arguments("base64 of impossible length", extension("A"), ErrorCode.INVALID_FIELD),
                    arguments("uppercase uuid", ACK.replace(ID_TEXT, ID_TEXT.toUpperCase(Locale.ROOT)), ErrorCode.INVALID_FIELD),
                    arguments("uuid without dashes", ACK.replace(ID_TEXT, ID_TEXT.replace("-", "")), ErrorCode.INVALID_FIELD),
                    arguments("uuid as a number", ACK.replace("\"" + ID_TEXT + "\"", "1"), ErrorCode.INVALID_FIELD),
                    arguments("float 1.0 for an integer", error("1.0", "m"), ErrorCode.INVALID_FIELD),
                    arguments("exponent 1e3 for an integer", error("1e3", "m"), ErrorCode.INVALID_FIELD),
                    arguments("u32 of 4294967296", error("4294967296", "m"), ErrorCode.INVALID_FIELD),
                    arguments("u32 of -1", error("-1", "m"), ErrorCode.INVALID_FIELD),
                    arguments("integer as a string", error("\"1\"", "m"), ErrorCode.INVALID_FIELD),
                    arguments("negative zero", error("-0", "m"), ErrorCode.NON_CANONICAL),
                    arguments("leading zero", error("01", "m"), ErrorCode.NON_CANONICAL),
                    arguments("truncated document", ACK.substring(0, ACK.length() - 1), ErrorCode.TRUNCATED),
                    arguments("empty document", "", ErrorCode.TRUNCATED),
                    arguments("second object after the object", ACK + "{}", ErrorCode.TRAILING_BYTES),
                    arguments("number after the object", ACK + "1", ErrorCode.TRAILING_BYTES),
                    arguments("garbage after the object", ACK + "x", ErrorCode.NON_CANONICAL),
                    arguments("whitespace after the object", ACK + " ", ErrorCode.NON_CANONICAL),
                    arguments("unknown type", ACK.replace("\"message_ack\"", "\"message_sent\""), ErrorCode.UNKNOWN_MESSAGE_TYPE),
                    arguments("type in upper case", ACK.replace("\"message_ack\"", "\"MESSAGE_ACK\""), ErrorCode.UNKNOWN_MESSAGE_TYPE),
                    arguments("no type member", "{\"message_id\":\"" + ID_TEXT + "\",\"status\":\"delivered\"}",
                            ErrorCode.UNKNOWN_MESSAGE_TYPE),
                    arguments("type that is not a string", ACK.replace("\"message_ack\"", "17"), ErrorCode.UNKNOWN_MESSAGE_TYPE),
                    arguments("top level array", "[" + ACK + "]", ErrorCode.INVALID_FIELD),
                    arguments("escaped but equivalent \\u0061", error("1", "\\u0061"), ErrorCode.NON_CANONICAL),
                    arguments("escaped solidus \\/", error("1", "a\\/b"), ErrorCode.NON_CANONICAL),
                    arguments("unknown enum atom", ACK.replace("delivered", "sent"), ErrorCode.INVALID_FIELD),
                    arguments("atom with uppercase", "{\"capabilities\":[\"Voice\"],\"last_seen\":0,\"status\":\"online\","
                            + "\"type\":\"presence_update\"}", ErrorCode.INVALID_FIELD),
                    arguments("raw control character in a string", error("1", "a\u0001b"), ErrorCode.NON_CANONICAL),
                    arguments("bool as a number", "{\"keys\":{\"u\":{\"" + ID_TEXT + "\":{\"expires_at\":0,"
                            + "\"kex_public_key\":\"" + "A".repeat(42) + "Q\",\"key_algorithm\":\"ed25519\",\"public_key\":\""
                            + "A".repeat(42) + "Q\",\"verified\":1}}},\"type\":\"key_response\"}", ErrorCode.INVALID_FIELD),
                    arguments("fixed bytes of 31 instead of 32", "{\"keys\":{\"u\":{\"" + ID_TEXT + "\":{\"expires_at\":0,"
                            + "\"kex_public_key\":\"" + "A".repeat(42) + "Q\",\"key_algorithm\":\"ed25519\",\"public_key\":\""
                            + "A".repeat(42) + "\",\"verified\":true}}},\"type\":\"key_response\"}", ErrorCode.INVALID_FIELD),
                    arguments("uuid map key in upper case", "{\"keys\":{\"u\":{\"" + ID_TEXT.toUpperCase(Locale.ROOT)
                            + "\":{}}},\"type\":\"key_response\"}", ErrorCode.INVALID_FIELD));
        }

        @ParameterizedTest(name = "{0} -> {2}")
        @MethodSource("cases")
        void decodeMessageRejects(String name, String input, ErrorCode expected) {
            assertRejected(() -> JSON.decodeMessage(input.getBytes(StandardCharsets.UTF_8)), expected);
        }

        @Test
        void validInputsOfTheTableAreAccepted() {
            assertThat(JSON.decodeMessage(ACK.getBytes(StandardCharsets.UTF_8))).isInstanceOf(MessageAck.class);
            assertThat(JSON.decodeMessage(error("4294967295", "a").getBytes(StandardCharsets.UTF_8))).isInstanceOf(ErrorMessage.class);
            assertThat(JSON.decodeMessage(extension("AQ").getBytes(StandardCharsets.UTF_8))).isNotNull();
            assertThat(JSON.decodeMessage(extension("-_8").getBytes(StandardCharsets.UTF_8))).isNotNull();
            String keyResponse = "{\"keys\":{\"u\":{\"" + ID_TEXT + "\":{\"expires_at\":0,\"kex_public_key\":\"" + "A".repeat(42)
                    + "Q\",\"key_algorithm\":\"ed25519\",\"public_key\":\"" + "A".repeat(42) + "Q\",\"verified\":true}}},"
                    + "\"type\":\"key_response\"}";
            assertThat(JSON.decodeMessage(keyResponse.getBytes(StandardCharsets.UTF_8))).isNotNull();
        }

        @Test
        void everyProperPrefixIsTruncated() {
            byte[] ack = ACK.getBytes(StandardCharsets.UTF_8);
            for (int n = 0; n < ack.length; n++) {
                byte[] prefix = Arrays.copyOf(ack, n);
                assertThatThrownBy(() -> JSON.decodeMessage(prefix)).as("prefix of %d bytes", n)
                        .isInstanceOfSatisfying(NorcException.class,
                                e -> assertThat(e.code()).as("prefix of %d bytes: %s", prefix.length, e).isEqualTo(ErrorCode.TRUNCATED));
            }
        }

        @Test
        void invalidUtf8Bytes() {
            for (byte[] bad : new byte[][] {
                    {(byte) 0xC0, (byte) 0x80}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xE6, (byte) 0x97}, {(byte) 0xFF}}) {
                byte[] input = concat(ascii(ERROR_HEAD + "1,\"message\":\""), bad, ascii("\",\"type\":\"error\"}"));
                assertRejected(() -> JSON.decodeMessage(input), ErrorCode.INVALID_UTF8);
                assertRejected(() -> JSON.decodePayload(MessageType.ERROR, input, 0, input.length), ErrorCode.INVALID_UTF8);
            }
        }

        @Test
        void listOverTheCountLimit() {
            JsonCodec small = new JsonCodec(new WireLimits(1024, 2, 64));
            String two = "{\"type\":\"key_request\",\"user_ids\":[\"a\",\"b\"]}";
            String three = "{\"type\":\"key_request\",\"user_ids\":[\"a\",\"b\",\"c\"]}";
            assertThat(small.decodeMessage(two.getBytes(StandardCharsets.UTF_8))).isNotNull();
            assertRejected(() -> small.decodeMessage(three.getBytes(StandardCharsets.UTF_8)), ErrorCode.LIMIT_EXCEEDED);
            String mapOfThree = "{\"details\":{\"a\":\"1\",\"b\":\"1\",\"c\":\"1\"},\"error_category\":\"protocol\","
                    + "\"error_code\":1,\"message\":\"m\",\"type\":\"error\"}";
            assertRejected(() -> small.decodeMessage(mapOfThree.getBytes(StandardCharsets.UTF_8)), ErrorCode.LIMIT_EXCEEDED);
        }

        /** JSON allows base64 expansion plus 64 KiB of syntax over maxMessageBytes (JsonCodec#checkSize). */
        @Test
        void documentOverTheSizeLimit() {
            WireLimits limits = new WireLimits(64, 16, 64);
            JsonCodec small = new JsonCodec(limits);
            byte[] huge = new byte[limits.maxMessageBytes() / 3 * 4 + 64 * 1024 + 1];
            Arrays.fill(huge, (byte) ' ');
            assertRejected(() -> small.decodeMessage(huge), ErrorCode.LIMIT_EXCEEDED);
            assertRejected(() -> small.decodePayload(MessageType.ERROR, huge, 0, huge.length), ErrorCode.LIMIT_EXCEEDED);
            String bigBytes = extension("A".repeat(200));
            assertRejected(() -> small.decodeMessage(bigBytes.getBytes(StandardCharsets.UTF_8)), ErrorCode.LIMIT_EXCEEDED);
        }

        @Test
        void deeplyNestedInputIsRejectedWithoutStackOverflow() {
            String deep = "{\"a\":" + "[".repeat(10_000) + "]".repeat(10_000) + ",\"type\":\"error\"}";
            assertRejected(() -> JSON.decodeMessage(deep.getBytes(StandardCharsets.UTF_8)), ErrorCode.LIMIT_EXCEEDED);
        }

        /** WireLimits.maxStringBytes bounds every UTF-8 string; the binary codec enforces it (see Binary). */
        @Test
        void stringOverMaxStringBytes() {
            JsonCodec small = new JsonCodec(new WireLimits(1024, 16, 8));
            assertThat(small.decodeMessage(error("1", "12345678").getBytes(StandardCharsets.UTF_8))).isNotNull();
            assertRejected(() -> small.decodeMessage(error("1", "123456789").getBytes(StandardCharsets.UTF_8)),
                    ErrorCode.LIMIT_EXCEEDED);
        }

        /**
         * An escaped unpaired surrogate is not a Unicode scalar value and has no UTF-8 form: the binary
         * codec cannot carry it (String.getBytes turns it into '?'), so a JSON decoder must reject it.
         */
        @Test
        void unpairedSurrogateEscapeIsRejected() {
            byte[] input = error("1", "\\uD800").getBytes(StandardCharsets.UTF_8);
            assertRejected(() -> JSON.decodeMessage(input), ErrorCode.INVALID_UTF8);
        }
    }

    @Nested
    class Frames {
        private static final int CIPHERTEXT = 16 + 256;

        private static byte[] frame(int major, int minor, int ciphertextLength) {
            byte[] hash = new byte[32];
            Arrays.fill(hash, (byte) 0x5A);
            FrameHeader header = new FrameHeader(major, minor, 0x11, ciphertextLength, ID, 0x0102030405060708L, hash);
            byte[] frame = new byte[FrameHeader.lengthFor(major) + ciphertextLength];
            header.writeTo(frame, 0);
            return frame;
        }

        @Test
        void validHeadersParse() {
            FrameHeader v2 = FrameHeader.parse(frame(2, 0, CIPHERTEXT), 2, 0);
            assertThat(v2.typeCode()).isEqualTo(0x11);
            assertThat(v2.length()).isEqualTo(CIPHERTEXT);
            assertThat(v2.messageId()).isEqualTo(ID);
            assertThat(v2.sequenceNumber()).isEqualTo(0x0102030405060708L);
            assertThat(v2.prevMessageHash()).containsOnly(0x5A).hasSize(32);
            FrameHeader v1 = FrameHeader.parse(frame(1, 2, CIPHERTEXT), 1, 2);
            assertThat(v1.messageId()).isEqualTo(ID);
            assertThat(v1.sequenceNumber()).isZero();
            assertThat(v1.prevMessageHash()).isNull();
            assertThat(FrameHeader.parse(frame(2, 0, 0), 2, 0).length()).isZero();
        }

        @Test
        void reservedByteNotZero() {
            byte[] f = frame(2, 0, CIPHERTEXT);
            f[63] = 1;
            assertRejected(() -> FrameHeader.parse(f, 2, 0), ErrorCode.INVALID_HEADER);
            f[63] = (byte) 0x80;
            assertRejected(() -> FrameHeader.parse(f, 2, 0), ErrorCode.INVALID_HEADER);
        }

        @Test
        void lengthFieldNotTheRemainingBytes() {
            byte[] f = frame(2, 0, CIPHERTEXT);
            byte[] longer = Arrays.copyOf(f, f.length + 1);
            assertRejected(() -> FrameHeader.parse(longer, 2, 0), ErrorCode.INVALID_HEADER);
            byte[] shorter = Arrays.copyOf(f, f.length - 1);
            assertRejected(() -> FrameHeader.parse(shorter, 2, 0), ErrorCode.INVALID_HEADER);
            f[3] = (byte) 0xFF; // length 0xFF000110
            assertRejected(() -> FrameHeader.parse(f, 2, 0), ErrorCode.INVALID_HEADER);
            byte[] v1 = Arrays.copyOf(frame(1, 0, CIPHERTEXT), FrameHeader.V1_LENGTH + CIPHERTEXT + 3);
            assertRejected(() -> FrameHeader.parse(v1, 1, 0), ErrorCode.INVALID_HEADER);
        }

        @Test
        void wrongVersionBytes() {
            assertRejected(() -> FrameHeader.parse(frame(2, 1, CIPHERTEXT), 2, 0), ErrorCode.INVALID_HEADER);
            assertRejected(() -> FrameHeader.parse(frame(3, 0, CIPHERTEXT), 2, 0), ErrorCode.INVALID_HEADER);
            assertRejected(() -> FrameHeader.parse(frame(2, 0, CIPHERTEXT), 1, 2), ErrorCode.INVALID_HEADER);
            byte[] v1AsV2 = frame(1, 2, 64);
            assertRejected(() -> FrameHeader.parse(v1AsV2, 2, 0), ErrorCode.INVALID_HEADER);
        }

        @Test
        void shorterThanTheHeader() {
            assertRejected(() -> FrameHeader.parse(new byte[63], 2, 0), ErrorCode.TRUNCATED);
            assertRejected(() -> FrameHeader.parse(new byte[0], 2, 0), ErrorCode.TRUNCATED);
            assertRejected(() -> FrameHeader.parse(Arrays.copyOf(frame(2, 0, 0), 63), 2, 0), ErrorCode.TRUNCATED);
            assertRejected(() -> FrameHeader.parse(new byte[22], 1, 0), ErrorCode.TRUNCATED);
        }
    }

    /** Sanity for the helpers above: the hand-built valid inputs really are the codec's own encodings. */
    @Test
    void handBuiltInputsMatchTheEncoder() {
        MessageAck ack = new MessageAck(ID, AckStatus.DELIVERED, Optional.empty(), Optional.empty());
        assertThat(ack("delivered", 0, 0)).isEqualTo(BINARY.encodeMessage(ack));
        NorcMessage error = new ErrorMessage(3001, "protocol", "m", Optional.empty(), Map.of());
        assertThat(errorWithDetailKeys()).isEqualTo(BINARY.encodeMessage(error));
        assertThat(Json.ACK.getBytes(StandardCharsets.UTF_8)).isEqualTo(JSON.encodeMessage(ack));
    }
}
