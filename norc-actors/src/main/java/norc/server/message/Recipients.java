package norc.server.message;

/** Rules for user ids in routing requests (profile §5: {@code local@domain}). */
final class Recipients {
    private Recipients() {}

    /** Whether {@code userId} is {@code local@domain} with a non-empty local part and no second {@code @}. */
    static boolean wellFormed(String userId) {
        int at = userId.indexOf('@');
        return at > 0 && at == userId.lastIndexOf('@') && at < userId.length() - 1;
    }

    static boolean local(String userId, String serverId) {
        return userId.substring(userId.indexOf('@') + 1).equals(serverId);
    }
}
