package norc.wire.message;

import norc.wire.schema.WireAtom;

/** The closed atom sets of the spec and wire profile, shared by several messages. */
public final class Atoms {
    private Atoms() {}

    /** {@code auth_response.status} (profile §5). */
    public enum AuthStatus implements WireAtom { REGISTERED, AUTHENTICATED }

    /** {@code message_ack.status} (profile §6). */
    public enum AckStatus implements WireAtom { ACCEPTED, DELIVERED, READ, FAILED }

    /** {@code presence_update.status} (spec §3.3.2). */
    public enum PresenceStatus implements WireAtom { ONLINE, AWAY, BUSY, OFFLINE }

    /** Classification levels (spec §6.4 plus {@code restricted}, which profile §6 names). */
    public enum Classification implements WireAtom {
        UNCLASSIFIED, OFFICIAL_USE_ONLY, RESTRICTED, CONFIDENTIAL, SECRET, TOP_SECRET,
        NATO_RESTRICTED, NATO_CONFIDENTIAL, NATO_SECRET
    }

    /** Trust levels, ordered (profile §7): {@code untrusted(0) < basic < verified < classified < nato}. */
    public enum TrustLevel implements WireAtom { UNTRUSTED, BASIC, VERIFIED, CLASSIFIED, NATO }

    /** Why a device key was revoked (spec §6.12). */
    public enum RevocationReason implements WireAtom { COMPROMISED, LOST, RETIRED, ROTATED }

    /** Why a peer's trust was revoked (spec §5.3). */
    public enum TrustRevocationReason implements WireAtom { COMPROMISED, POLICY, REQUEST }

    /** How a trust challenge is answered (profile §7). */
    public enum ValidationMethod implements WireAtom { MANUAL, DNS, CA }

    /** A group member's role (groups profile A.1): one owner, admins, members. */
    public enum Role implements WireAtom { OWNER, ADMIN, MEMBER }

    /** The role a member is given when invited ({@code conversation_create.members}, groups profile A.3). */
    public enum InvitedRole implements WireAtom {
        ADMIN, MEMBER;

        public Role role() {
            return this == ADMIN ? Role.ADMIN : Role.MEMBER;
        }
    }

    /** {@code conversation_update.action} (groups profile A.3). */
    public enum ConversationAction implements WireAtom { ADD, REMOVE, LEAVE, SET_ROLE, SET_INFO, ADD_INFO_KEYS }

    /** {@code membership_update.change} (groups profile A.4). */
    public enum MembershipChange implements WireAtom {
        CREATED, ADDED, REMOVED, LEFT, ROLE_CHANGED, INFO_CHANGED, DEVICES_CHANGED, SNAPSHOT
    }
}
