package norc.server.connection;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import norc.wire.WireEncoding;

/**
 * The byte layout of a {@link ConnectionActorFuzzTest} input: one session byte, then the inbound
 * WebSocket messages, each {@code u8 kind || u16 length || body} (a length past the end is cut
 * there, so every byte string is an input). Decoding and encoding live together so that the seed
 * generator ({@link ConnectionSeeds}) and the targets cannot disagree.
 *
 * <p>Session byte: bit 0 the JSON subprotocol, bit 1 a 1.2 session (the legitimate client offers
 * only 1.2), bit 2 the hybrid suite {@code 0101} (2.0 only; costs an ML-KEM encapsulation), bit 3
 * an outage: once the state under test is reached, no entity answers (every ask times out), bit 4
 * registration by enrollment token only (else open registration).
 */
record FuzzInput(Session session, List<Step> steps) {

    /** More messages add little per execution and cost time. */
    static final int MAX_STEPS = 16;

    record Session(WireEncoding encoding, boolean compatibility, boolean hybrid, boolean outage, boolean tokenOnly) {
        byte toByte() {
            return (byte) ((encoding == WireEncoding.JSON ? 1 : 0) | (compatibility ? 2 : 0) | (hybrid ? 4 : 0) | (outage ? 8 : 0)
                    | (tokenOnly ? 16 : 0));
        }

        Session withOutage() {
            return new Session(encoding, compatibility, hybrid, true, tokenOnly);
        }

        Session withTokenOnly() {
            return new Session(encoding, compatibility, hybrid, outage, true);
        }
    }

    /** What the client does with one inbound message. */
    enum Kind {
        /** {@code body = u8 type code || payload}: padded and sealed under the session key. */
        SEALED,
        /** {@code body = u8 type code || plaintext}: sealed as it is, the padding is the input's. */
        SEALED_PLAINTEXT,
        /**
         * Like {@link #SEALED}, but a payload that decodes as {@code device_register}, {@code auth_request}
         * or {@code device_revoke} is first signed by the legitimate device for this session (an
         * {@code auth_request}'s timestamp is read as an offset from now, in µs).
         */
        SIGNED,
        /** The body is the WebSocket message. */
        RAW,
        /** The previous message again, byte for byte (a replay); an empty message before the first. */
        REPLAY,
        /** A message over the transport's size limit ({@link InboundFrame.TooLarge}). */
        TOO_LARGE,
        /** A text message on the binary subprotocol or the reverse ({@link InboundFrame.WrongKind}). */
        WRONG_KIND,
        /**
         * {@code body = u8 type code || i16 offset || payload}: sealed like {@link #SEALED}, but with a
         * sequence number {@code offset} away from the next one (a replayed, old or future sequence
         * under a valid tag); the client counts on from there.
         */
        OFF_SEQUENCE,
        /**
         * {@code body = u8 type code || payload}: sealed like {@link #SEALED}, but with a
         * {@code prev_message_hash} off the client's chain (a forked chain under a valid tag).
         */
        OFF_CHAIN;

        /** Before keys exist nothing can be sealed: the sealed kinds deliver their body raw. */
        boolean sealed() {
            return this == SEALED || this == SEALED_PLAINTEXT || this == SIGNED || this == OFF_SEQUENCE || this == OFF_CHAIN;
        }

        private int headerLength() {
            return this == OFF_SEQUENCE ? 3 : 1;
        }
    }

    record Step(Kind kind, byte[] body) {
        /** The type code of a sealed step (0 when the body is empty). */
        int typeCode() {
            return body.length == 0 ? 0 : body[0] & 0xFF;
        }

        /** The sequence offset of an {@link Kind#OFF_SEQUENCE} step (missing bytes read as zero). */
        int sequenceOffset() {
            byte[] head = Arrays.copyOf(body, 3);
            return (short) (((head[1] & 0xFF) << 8) | (head[2] & 0xFF));
        }

        /** The payload or plaintext of a sealed step. */
        byte[] content() {
            return Arrays.copyOfRange(body, Math.min(kind.headerLength(), body.length), body.length);
        }

        static Step sealed(Kind kind, int typeCode, byte[] content) {
            byte[] body = new byte[1 + content.length];
            body[0] = (byte) typeCode;
            System.arraycopy(content, 0, body, 1, content.length);
            return new Step(kind, body);
        }

        static Step offSequence(int typeCode, int offset, byte[] payload) {
            byte[] body = new byte[3 + payload.length];
            body[0] = (byte) typeCode;
            body[1] = (byte) (offset >> 8);
            body[2] = (byte) offset;
            System.arraycopy(payload, 0, body, 3, payload.length);
            return new Step(Kind.OFF_SEQUENCE, body);
        }

        static Step raw(byte[] message) {
            return new Step(Kind.RAW, message.clone());
        }

        static Step of(Kind kind) {
            return new Step(kind, new byte[0]);
        }
    }

    static FuzzInput decode(byte[] data) {
        int flags = data.length == 0 ? 0 : data[0];
        Session session = new Session((flags & 1) != 0 ? WireEncoding.JSON : WireEncoding.BINARY, (flags & 2) != 0,
                (flags & 4) != 0 && (flags & 2) == 0, (flags & 8) != 0, (flags & 16) != 0);
        List<Step> steps = new ArrayList<>();
        int at = 1;
        while (at < data.length && steps.size() < MAX_STEPS) {
            Kind kind = Kind.values()[(data[at] & 0xFF) % Kind.values().length];
            int declared = at + 2 < data.length ? ((data[at + 1] & 0xFF) << 8) | (data[at + 2] & 0xFF) : 0;
            int start = Math.min(at + 3, data.length);
            int end = Math.min(start + declared, data.length);
            steps.add(new Step(kind, Arrays.copyOfRange(data, start, end)));
            at = end;
        }
        return new FuzzInput(session, List.copyOf(steps));
    }

    byte[] encode() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(session.toByte());
        for (Step step : steps) {
            if (step.body().length > 0xFFFF) {
                throw new IllegalArgumentException("a step's body is at most 65535 bytes");
            }
            out.write(step.kind().ordinal());
            out.write(step.body().length >>> 8);
            out.write(step.body().length & 0xFF);
            out.writeBytes(step.body());
        }
        return out.toByteArray();
    }
}
