package norc.wire;

import norc.error.ErrorCode;
import norc.error.NorcException;

/** Validation of atom values (profile §4.3: an atom travels as a string). */
final class AtomRules {
    static final int MAX_ATOM_LENGTH = 64;

    private AtomRules() {}

    /** Atoms are 1–64 characters of {@code [a-z0-9_]}. */
    static boolean isAtom(String s) {
        int n = s.length();
        if (n == 0 || n > MAX_ATOM_LENGTH) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
                return false;
            }
        }
        return true;
    }

    static String requireAtom(String s) {
        if (!isAtom(s)) {
            throw new NorcException(ErrorCode.INVALID_FIELD, "not an atom");
        }
        return s;
    }
}
