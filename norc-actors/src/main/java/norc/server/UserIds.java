package norc.server;

/** Rules for user ids (profile §5: {@code local@domain}), in one place for every edge that reads them. */
public final class UserIds {
    private UserIds() {}

    /** {@code local@domain}: a non-empty local part, one {@code @}, a domain, no control characters, at most 255 chars. */
    public static boolean wellFormed(String userId) {
        int at = userId.indexOf('@');
        return at > 0 && at == userId.lastIndexOf('@') && at < userId.length() - 1 && userId.length() <= 255
                && userId.chars().noneMatch(Character::isISOControl);
    }

    /** Whether a well-formed id belongs to this server's domain. */
    public static boolean local(String userId, String serverId) {
        return userId.substring(userId.indexOf('@') + 1).equals(serverId);
    }

    /** The domain of a well-formed id. */
    public static String domain(String userId) {
        return userId.substring(userId.indexOf('@') + 1);
    }

    /** {@link #wellFormed} and {@link #local}. */
    public static boolean isLocal(String userId, String serverId) {
        return wellFormed(userId) && local(userId, serverId);
    }
}
