package norc.wire;

/**
 * Bounds every decoder enforces before allocating (profile §4.3). Configurable so that a server or
 * a load run can relax or tighten them; the defaults follow profile §4.2 (4 MiB payloads).
 *
 * @param maxMessageBytes largest encoded message or payload accepted
 * @param maxCollectionCount largest list or map count accepted
 * @param maxStringBytes largest UTF-8 string accepted (a {@code bytes} field may reach {@code maxMessageBytes})
 */
public record WireLimits(int maxMessageBytes, int maxCollectionCount, int maxStringBytes) {
    /** Profile defaults: 4 MiB messages, 4096 entries per list or map, 64 KiB strings. */
    public static final WireLimits DEFAULT = new WireLimits(4 * 1024 * 1024, 4096, 64 * 1024);

    public WireLimits {
        if (maxMessageBytes <= 0 || maxCollectionCount <= 0 || maxStringBytes <= 0) {
            throw new IllegalArgumentException("wire limits must be positive");
        }
    }
}
