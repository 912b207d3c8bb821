package norc.wire;

import norc.error.ErrorCode;
import norc.error.NorcException;

/**
 * A {@code "MAJOR.MINOR"} protocol version (profile §1). A patch component, if sent, is ignored;
 * comparison is numeric ({@code 1.10 > 1.9}).
 */
public record ProtocolVersion(int major, int minor) implements Comparable<ProtocolVersion> {
    /** This implementation's native version. */
    public static final ProtocolVersion NATIVE = new ProtocolVersion(2, 0);
    /** The version of the end-to-end envelope, whatever the session versions (profile §6). */
    public static final ProtocolVersion ENVELOPE = new ProtocolVersion(2, 0);

    public ProtocolVersion {
        if (major < 0 || major > 255 || minor < 0 || minor > 255) {
            throw new IllegalArgumentException("version components must fit a byte");
        }
    }

    /** Parses {@code "2.0"}, {@code "1.10"} or {@code "1.2.3"}; anything else is {@code INVALID_FIELD}. */
    public static ProtocolVersion parse(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length < 2 || parts.length > 3) {
            throw new NorcException(ErrorCode.INVALID_FIELD, "malformed version");
        }
        try {
            int major = component(parts[0]);
            int minor = component(parts[1]);
            if (parts.length == 3) {
                component(parts[2]);
            }
            return new ProtocolVersion(major, minor);
        } catch (IllegalArgumentException e) {
            throw new NorcException(ErrorCode.INVALID_FIELD, "malformed version");
        }
    }

    private static int component(String s) {
        if (s.isEmpty() || s.length() > 3 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("bad component");
        }
        return Integer.parseInt(s);
    }

    @Override
    public int compareTo(ProtocolVersion o) {
        return major != o.major ? Integer.compare(major, o.major) : Integer.compare(minor, o.minor);
    }

    @Override
    public String toString() {
        return major + "." + minor;
    }
}
