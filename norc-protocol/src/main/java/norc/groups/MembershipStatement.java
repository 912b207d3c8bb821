package norc.groups;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import norc.crypto.Blake3;
import norc.crypto.Bytes;
import norc.crypto.Ed25519;
import norc.wire.BinaryCodec;
import norc.wire.WireLimits;
import norc.wire.message.Atoms.Role;
import norc.wire.message.MembershipUpdate;

/**
 * The server's signature on a {@code membership_update} (groups profile A.4), with the server's
 * identity key:
 * <pre>
 * members_hash = B3(enc(members))   the full map after the change, as a map (no optional flag)
 * server_signature = Ed25519(sk, "norc:membership:v1" || conversation_id || u64(membership_version)
 *     || enc(change) || enc(actor) || enc(subjects) || enc(role) (flag included) || members_hash
 *     || info_hash || i64(issued_at))
 * </pre>
 * {@code info_hash = B3(info_id || ciphertext)} of the group's stored envelope ({@link ConversationInfoSeal#infoHash}).
 * {@code update_id}, {@code request_id}, {@code members} and {@code info} are not signed.
 */
public final class MembershipStatement {
    public static final String SIGNATURE_LABEL = "norc:membership:v1";

    private static final byte[] LABEL = SIGNATURE_LABEL.getBytes(StandardCharsets.US_ASCII);
    private static final BinaryCodec BINARY = new BinaryCodec(WireLimits.DEFAULT);

    /** A member map as a record of one field, so that the codec encodes it as the map alone (public: the codec reads it). */
    public record MemberMap(Map<String, Role> members) {}

    private MembershipStatement() {
    }

    /** The binary encoding of a member map: {@code u32 count || entries in encoded-key order}. */
    public static byte[] encodeMembers(Map<String, Role> members) {
        return BINARY.encodeRecord(new MemberMap(members));
    }

    public static byte[] membersHash(Map<String, Role> members) {
        return Blake3.hash(encodeMembers(members));
    }

    public static byte[] signatureInput(MembershipUpdate update, byte[] infoHash) {
        return Bytes.concat(LABEL, Bytes.uuidBytes(update.conversationId()), Bytes.u64(update.membershipVersion()),
                BINARY.encodeField(update, "change"), BINARY.encodeField(update, "actor"),
                BINARY.encodeField(update, "subjects"), BINARY.encodeField(update, "role"),
                update.membersHash(), infoHash, Bytes.u64(update.issuedAt()));
    }

    /** {@code update} with its {@code server_signature} set (whatever it held before). */
    public static MembershipUpdate sign(byte[] serverSecretKey, MembershipUpdate update, byte[] infoHash) {
        byte[] signature = Ed25519.sign(serverSecretKey, signatureInput(update, infoHash));
        return new MembershipUpdate(update.conversationId(), update.updateId(), update.requestId(),
                update.membershipVersion(), update.change(), update.actor(), update.subjects(), update.role(),
                update.membersHash(), update.members(), update.info(), update.issuedAt(), signature);
    }

    public static boolean verify(byte[] serverPublicKey, MembershipUpdate update, byte[] infoHash) {
        return Ed25519.verify(serverPublicKey, update.serverSignature(), signatureInput(update, infoHash));
    }
}
