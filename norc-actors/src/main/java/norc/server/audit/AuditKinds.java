package norc.server.audit;

import java.util.Map;

/**
 * The kinds of audit event the server records (spec §6.18), the {@code kind} of each entry. A kind
 * is part of the journal: add new ones, never rename one. Kinds that anyone on the network can
 * cause in bulk are limited per node ({@link #SUPPRESSED}): past the limit of a minute, one
 * summary entry of the {@code *.suppressed} kind counts what was not recorded.
 */
public final class AuditKinds {
    /** A peer server's trust was granted, changed or refused ({@code peer}, {@code level}, {@code method}, ...). */
    public static final String TRUST_DECISION = "trust.decision";
    /** A peer server's trust was revoked, by us or by it. */
    public static final String TRUST_REVOCATION = "trust.revocation";
    /** A device was revoked ({@code user}, {@code device}, {@code reason}, {@code by}). */
    public static final String DEVICE_REVOCATION = "device.revocation";
    /** A device rotated its key to a successor device id ({@code user}, {@code device}: the old one). */
    public static final String DEVICE_ROTATION = "device.rotation";
    /** A group's membership changed ({@code change}, {@code version}, {@code conversation}: its pseudonym; never the members). */
    public static final String GROUP_CHANGE = "group.change";
    /** A message was not relayed: the peer's grant is below its classification. */
    public static final String CLASSIFICATION_REFUSED = "classification.refused";
    /** A peer's certificate, key or server id did not match what it claimed or what we pinned. */
    public static final String IDENTITY_MISMATCH = "identity.mismatch";
    /** A replayed federation message or sequence. */
    public static final String REPLAY_DETECTED = "replay.detected";
    /** Frames failing the AEAD or the hash chain of a session (profile §4.4). */
    public static final String INTEGRITY_ALERT = "integrity.alert";
    /** A refused registration or authentication ({@code method}, {@code code}, {@code user}, {@code device}). */
    public static final String AUTHENTICATION_FAILED = "authentication.failed";
    /** How many {@link #AUTHENTICATION_FAILED} events a node left out in a minute ({@code count}). */
    public static final String AUTHENTICATION_FAILED_SUPPRESSED = "authentication.failed.suppressed";
    /** How many {@link #INTEGRITY_ALERT} events a node left out in a minute ({@code count}). */
    public static final String INTEGRITY_ALERT_SUPPRESSED = "integrity.alert.suppressed";
    /** An operator's action through the admin API ({@code action}, and its object). */
    public static final String ADMIN_ACTION = "admin.action";

    /** Kinds limited per node per minute, each with the kind of its summary entry. */
    public static final Map<String, String> SUPPRESSED = Map.of(
            AUTHENTICATION_FAILED, AUTHENTICATION_FAILED_SUPPRESSED,
            INTEGRITY_ALERT, INTEGRITY_ALERT_SUPPRESSED);

    private AuditKinds() {}
}
