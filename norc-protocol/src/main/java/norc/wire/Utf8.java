package norc.wire;

/** UTF-8 facts about Java strings, without encoding them. */
final class Utf8 {
    private Utf8() {}

    /** The UTF-8 length of {@code s}, or -1 if it holds an unpaired surrogate (not encodable as UTF-8). */
    static int encodedLength(String s) {
        int length = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                length += 1;
            } else if (c < 0x800) {
                length += 2;
            } else if (Character.isHighSurrogate(c)) {
                if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    return -1;
                }
                length += 4;
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return -1;
            } else {
                length += 3;
            }
        }
        return length;
    }
}
