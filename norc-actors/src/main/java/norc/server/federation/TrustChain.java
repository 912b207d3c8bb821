package norc.server.federation;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import norc.crypto.Blake3;

/**
 * The hash chain of a trust journal (like the audit log, spec §6.18): {@code next = B3(previous ||
 * canonical event)}, from 32 zero bytes. The canonical form of an event is its kind and its fields
 * in declaration order, each length-prefixed: strings as UTF-8, byte arrays as they are, numbers as
 * 8 bytes big-endian, enums by name, null as the length {@code 0xFFFFFFFF}.
 */
final class TrustChain {
    static final byte[] GENESIS = new byte[32];

    private TrustChain() {}

    static byte[] next(byte[] previous, String kind, Object... fields) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        write(out, kind.getBytes(StandardCharsets.UTF_8));
        for (Object field : fields) {
            if (field == null) {
                out.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF});
            } else if (field instanceof byte[] bytes) {
                write(out, bytes);
            } else if (field instanceof Number number) {
                write(out, ByteBuffer.allocate(8).putLong(number.longValue()).array());
            } else if (field instanceof Enum<?> e) {
                write(out, e.name().getBytes(StandardCharsets.UTF_8));
            } else {
                write(out, field.toString().getBytes(StandardCharsets.UTF_8));
            }
        }
        return Blake3.hash(previous == null ? GENESIS : previous, out.toByteArray());
    }

    private static void write(ByteArrayOutputStream out, byte[] bytes) {
        out.writeBytes(ByteBuffer.allocate(4).putInt(bytes.length).array());
        out.writeBytes(bytes);
    }
}
