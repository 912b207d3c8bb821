package norc.groups;

import static norc.federation.FieldsView.hex;
import static norc.federation.FieldsView.record;
import static norc.federation.FieldsView.section;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import norc.crypto.Blake3;
import norc.crypto.Bytes;
import norc.crypto.ChaCha20Poly1305;
import norc.crypto.Ed25519;
import norc.crypto.KeyWrap;
import norc.crypto.Vectors;
import norc.error.NorcException;
import norc.files.FileCrypto;
import norc.session.Aad;
import norc.session.DeviceRotation;
import norc.session.JsonFrame;
import norc.session.Padding;
import norc.session.TrafficKeys;
import norc.wire.BinaryCodec;
import norc.wire.JsonCodec;
import norc.wire.WireLimits;
import norc.wire.message.Atoms.Role;
import norc.wire.message.ConversationInfo;
import norc.wire.message.DeviceKeyRotate;
import norc.wire.message.FileManifest;
import norc.wire.message.MembershipUpdate;
import norc.wire.message.MessageSend;
import norc.wire.message.NorcMessage;
import org.junit.jupiter.api.Test;

/**
 * The {@code g_*}, {@code c_*} and {@code d_*} sections of {@code norc-vectors-2.json} (groups
 * profile A.2, A.4, B.1, C, D), computed by an independent implementation, reproduced byte for
 * byte: every encoding, key, nonce, AAD, ciphertext, hash and signature (Ed25519 is deterministic),
 * each canon decoded strictly and re-encoded identically (also through JSON), and a one-bit change
 * in any signed input breaking verification.
 */
class GroupsFilesVectorTest {
    static final BinaryCodec BINARY = new BinaryCodec(WireLimits.DEFAULT);
    static final JsonCodec JSON = new JsonCodec(WireLimits.DEFAULT);
    static final JsonNode KEYS = section("keys");
    static final byte[] ALICE_D_A1_SECRET = hex(KEYS.get("alice.d_a1.sign"), "secret");
    static final byte[] ALICE_D_A1_PUBLIC = hex(KEYS.get("alice.d_a1.sign"), "public");
    static final byte[] SERVER_A_SECRET = hex(KEYS.get("server_a.identity"), "secret");

    // ---- A.2: the info envelope ------------------------------------------------------------------

    @Test
    void conversationInfoEnvelope() {
        JsonNode g = section("g_membership");
        JsonNode v = g.get("conversation_info");
        ConversationInfo info = record(ConversationInfo.class, v.get("fields"));
        UUID conversation = UUID.fromString(g.get("membership_update").get("answer_to_requester").get("fields")
                .get("conversation_id").asText());
        ConversationInfo.Plain plain = plain(v.get("plain_fields"));

        assertHex(BINARY.encodeRecord(plain), v, "plain_encoding");
        assertHex(Padding.pad(BINARY.encodeRecord(plain)), v, "padded_plaintext");
        assertHex(ConversationInfoSeal.aad(conversation, info.infoId()), v, "aad");
        byte[] infoKey = hex(v, "info_key");
        assertHex(ConversationInfoSeal.encrypt(infoKey, conversation, info.infoId(), plain), v, "ciphertext");
        assertThat(ConversationInfoSeal.decrypt(infoKey, conversation, info)).usingRecursiveComparison().isEqualTo(plain);

        for (String wrap : List.of("key_wrap_d_a1", "key_wrap_d_c1")) {
            JsonNode w = v.get(wrap);
            UUID device = UUID.fromString(w.get("device_id").asText());
            KeyWrap.Wrapped wrapped = KeyWrap.wrap(infoKey, info.infoId(), conversation, device,
                    hex(w, "recipient_kex_public"), hex(w, "ephemeral_secret"));
            assertHex(wrapped.ephemeralPublicKey(), w, "ephemeral_public");
            assertHex(wrapped.wrappedKey(), w, "wrapped_key");
            assertThat(info.keys().get(device).wrappedKey()).isEqualTo(wrapped.wrappedKey());
        }
        byte[] carolKex = hex(KEYS.get("carol.d_c1.kex"), "secret");
        UUID carolDevice = UUID.fromString(v.get("key_wrap_d_c1").get("device_id").asText());
        MessageSend.WrappedKey forCarol = info.keys().get(carolDevice);
        assertThat(KeyWrap.unwrap(new KeyWrap.Wrapped(forCarol.ephemeralPublicKey(), forCarol.wrappedKey()),
                info.infoId(), conversation, carolDevice, carolKex)).isEqualTo(infoKey);

        assertThat(hex(v, "signer_public_key")).isEqualTo(ALICE_D_A1_PUBLIC);
        assertHex(ConversationInfoSeal.signatureInput(conversation, info.infoId(), info.ciphertext()), v, "signature_input");
        ConversationInfo signed = ConversationInfoSeal.sign(ALICE_D_A1_SECRET, conversation, info.infoId(),
                info.authorUserId(), info.authorDeviceId(), info.ciphertext(), info.keys());
        assertHex(signed.signature(), v, "signature");
        assertThat(ConversationInfoSeal.verify(ALICE_D_A1_PUBLIC, conversation, info)).isTrue();
        assertThat(ConversationInfoSeal.verify(ALICE_D_A1_PUBLIC, conversation, new ConversationInfo(info.infoId(),
                info.authorUserId(), info.authorDeviceId(), flipBit(info.ciphertext()), info.keys(), info.signature()))).isFalse();
        assertHex(BINARY.encodeRecord(info), v, "encoding");
    }

    // ---- A.4: membership_update ------------------------------------------------------------------

    @Test
    void membershipUpdateAndItsServerSignature() {
        JsonNode g = section("g_membership");
        Map<String, Role> members = roles(g.get("members"));
        assertHex(MembershipStatement.encodeMembers(members), g, "members_encoding");
        assertHex(MembershipStatement.membersHash(members), g, "members_hash");
        ConversationInfo info = record(ConversationInfo.class, g.get("conversation_info").get("fields"));
        assertHex(Bytes.concat(Bytes.uuidBytes(info.infoId()), info.ciphertext()), g, "info_hash_input");
        byte[] infoHash = ConversationInfoSeal.infoHash(info);
        assertHex(infoHash, g, "info_hash");

        JsonNode u = g.get("membership_update");
        assertThat(hex(u, "signer_public_key")).isEqualTo(Ed25519.publicKeyOf(SERVER_A_SECRET));
        MembershipUpdate answer = record(MembershipUpdate.class, u.get("answer_to_requester").get("fields"));
        MembershipUpdate copy = record(MembershipUpdate.class, u.get("copy_for_d_c1").get("fields"));
        JsonNode parts = u.get("signature_input_parts");
        assertHex(BINARY.encodeField(answer, "change"), parts, "change");
        assertHex(BINARY.encodeField(answer, "actor"), parts, "actor");
        assertHex(BINARY.encodeField(answer, "subjects"), parts, "subjects");
        assertHex(BINARY.encodeField(answer, "role"), parts, "role");
        assertHex(Bytes.u64(answer.membershipVersion()), parts, "membership_version");
        assertHex(Bytes.u64(answer.issuedAt()), parts, "issued_at");
        assertHex(answer.membersHash(), parts, "members_hash");
        for (MembershipUpdate m : List.of(answer, copy)) { // request_id, update_id, members and info are not signed
            assertHex(MembershipStatement.signatureInput(m, infoHash), u, "signature_input");
            assertHex(MembershipStatement.sign(SERVER_A_SECRET, m, infoHash).serverSignature(), u, "server_signature");
            assertThat(MembershipStatement.verify(hex(u, "signer_public_key"), m, infoHash)).isTrue();
        }
        assertThat(copy.members()).hasValue(members);
        assertThat(MembershipStatement.membersHash(copy.members().orElseThrow())).isEqualTo(copy.membersHash());
        assertThat(MembershipStatement.verify(hex(u, "signer_public_key"), answer, flipBit(infoHash))).isFalse();
        MembershipUpdate otherVersion = new MembershipUpdate(answer.conversationId(), answer.updateId(), answer.requestId(),
                answer.membershipVersion() + 1, answer.change(), answer.actor(), answer.subjects(), answer.role(),
                answer.membersHash(), answer.members(), answer.info(), answer.issuedAt(), answer.serverSignature());
        assertThat(MembershipStatement.verify(hex(u, "signer_public_key"), otherVersion, infoHash)).isFalse();
        MembershipUpdate noRole = new MembershipUpdate(answer.conversationId(), answer.updateId(), answer.requestId(),
                answer.membershipVersion(), answer.change(), answer.actor(), answer.subjects(), Optional.empty(),
                answer.membersHash(), answer.members(), answer.info(), answer.issuedAt(), answer.serverSignature());
        assertThat(MembershipStatement.verify(hex(u, "signer_public_key"), noRole, infoHash)).isFalse();

        assertCanon(answer, u.get("answer_to_requester"));
        assertCanon(copy, u.get("copy_for_d_c1"));
    }

    // ---- B.1: files ------------------------------------------------------------------------------

    @Test
    void fileChunksManifestAndKeys() {
        JsonNode v = section("g_file");
        JsonNode f = v.get("file");
        int size = f.get("size").asInt();
        byte[] file = new byte[size];
        for (int i = 0; i < size; i++) {
            file[i] = (byte) (i % 251);
        }
        assertHex(Blake3.hash(file), f, "b3");
        UUID fileId = UUID.fromString(v.get("file_id").asText());
        UUID conversation = UUID.fromString(v.get("conversation_id").asText());
        byte[] fileKey = hex(v, "file_key");
        byte[] chunkKey = FileCrypto.chunkKey(fileKey, fileId);
        assertHex(chunkKey, v, "k_chunk");
        assertHex(FileCrypto.manifestKey(fileKey, fileId), v, "k_manifest");
        int count = FileCrypto.chunkCount(size);
        assertThat(count).isEqualTo(v.get("chunk_count").asInt());
        assertThat(FileCrypto.lastLength(size)).isEqualTo(v.get("len_last").asInt());
        assertThat(FileCrypto.paddedSize(size)).isEqualTo(v.get("padded_size").asLong());

        List<byte[]> hashes = new ArrayList<>();
        List<byte[]> ciphertexts = new ArrayList<>();
        for (JsonNode c : v.get("chunks")) {
            int index = c.get("index").asInt();
            int from = c.get("plaintext_range").get(0).asInt();
            int to = c.get("plaintext_range").get(1).asInt();
            assertHex(FileCrypto.chunkNonce(index), c, "nonce");
            assertHex(FileCrypto.chunkAad(fileId, index, count), c, "aad");
            byte[] ciphertext = FileCrypto.encryptChunk(chunkKey, fileId, index, count, file, from, to - from);
            JsonNode ct = c.get("ciphertext");
            assertThat(ciphertext).hasSize(ct.get("length").asInt());
            assertThat(FileCrypto.chunkCiphertextLength(count, FileCrypto.paddedSize(size), index)).isEqualTo(ciphertext.length);
            assertHex(sha256(ciphertext), ct, "sha256");
            assertHex(Blake3.hash(ciphertext), ct, "b3");
            assertHex(java.util.Arrays.copyOf(ciphertext, 32), ct, "first32");
            assertHex(java.util.Arrays.copyOfRange(ciphertext, ciphertext.length - 32, ciphertext.length), ct, "last32");
            assertHex(Blake3.hash(ciphertext), c, "chunk_hash");
            hashes.add(Blake3.hash(ciphertext));
            ciphertexts.add(ciphertext);
        }

        JsonNode m = v.get("manifest_plain");
        FileManifest.Plain plain = record(FileManifest.Plain.class, m.get("fields"));
        assertHex(BINARY.encodeRecord(plain), m, "encoding");
        byte[] encoding = BINARY.encodeRecord(plain);
        assertHex(java.util.Arrays.copyOf(encoding, encoding.length - 68), m, "encoding_without_signature");
        assertHex(FileCrypto.signatureInput(fileId, conversation, count, FileCrypto.paddedSize(size), plain), m, "signature_input");
        FileManifest.Plain signed = FileCrypto.signPlain(ALICE_D_A1_SECRET, fileId, conversation, plain.name(), plain.mimeType(),
                size, hashes, plain.senderUserId(), plain.senderDeviceId());
        assertHex(signed.signature(), m, "signature");
        assertThat(FileCrypto.verifyPlain(ALICE_D_A1_PUBLIC, fileId, conversation, count, FileCrypto.paddedSize(size), plain)).isTrue();
        assertThat(FileCrypto.verifyPlain(ALICE_D_A1_PUBLIC, fileId, conversation, count + 1, FileCrypto.paddedSize(size), plain))
                .isFalse();

        JsonNode e = v.get("manifest_encryption");
        byte[] manifestKey = FileCrypto.manifestKey(fileKey, fileId);
        assertHex(Padding.pad(encoding), e, "padded_plaintext");
        assertHex(FileCrypto.manifestAad(fileId, conversation, count, FileCrypto.paddedSize(size)), e, "aad");
        byte[] encrypted = FileCrypto.encryptManifest(manifestKey, fileId, conversation, count, FileCrypto.paddedSize(size), plain);
        assertHex(encrypted, e, "encrypted_manifest");

        JsonNode w = v.get("key_wrap_d_c1");
        UUID carolDevice = UUID.fromString(w.get("device_id").asText());
        KeyWrap.Wrapped wrapped = KeyWrap.wrap(fileKey, fileId, conversation, carolDevice, hex(w, "recipient_kex_public"),
                hex(w, "ephemeral_secret"));
        assertHex(wrapped.wrappedKey(), w, "wrapped_key");

        FileManifest manifest = record(FileManifest.class, v.get("file_manifest").get("fields"));
        assertCanon(manifest, v.get("file_manifest"));
        // carol's side: unwrap, open the manifest, check each chunk against its hash and the padding
        MessageSend.WrappedKey entry = manifest.keys().get(carolDevice);
        byte[] unwrapped = KeyWrap.unwrap(new KeyWrap.Wrapped(entry.ephemeralPublicKey(), entry.wrappedKey()), fileId, conversation,
                carolDevice, hex(KEYS.get("carol.d_c1.kex"), "secret"));
        FileManifest.Plain opened = FileCrypto.decryptManifest(FileCrypto.manifestKey(unwrapped, fileId), manifest);
        assertThat(FileCrypto.verifyPlain(ALICE_D_A1_PUBLIC, fileId, conversation, manifest.chunkCount(), manifest.paddedSize(),
                opened)).isTrue();
        byte[] reassembled = Bytes.concat(
                FileCrypto.decryptChunk(FileCrypto.chunkKey(unwrapped, fileId), fileId, 0, opened, ciphertexts.get(0)),
                FileCrypto.decryptChunk(FileCrypto.chunkKey(unwrapped, fileId), fileId, 1, opened, ciphertexts.get(1)));
        assertThat(reassembled).isEqualTo(file);
        // swapped chunks fail on the hash before any decryption
        assertThatThrownBy(() -> FileCrypto.decryptChunk(chunkKey, fileId, 0, opened, ciphertexts.get(1)))
                .isInstanceOf(NorcException.class);
    }

    // ---- C: rotation -----------------------------------------------------------------------------

    @Test
    void deviceKeyRotation() {
        JsonNode v = section("c_rotate");
        DeviceKeyRotate rotate = record(DeviceKeyRotate.class, v.get("fields"));
        assertHex(DeviceRotation.body(rotate), v, "body");
        assertHex(Bytes.concat(ascii(DeviceRotation.OLD_LABEL), DeviceRotation.body(rotate)), v, "old_signature_input");
        assertHex(Bytes.concat(ascii(DeviceRotation.NEW_LABEL), DeviceRotation.body(rotate)), v, "new_signature_input");
        DeviceKeyRotate signed = DeviceRotation.sign(ALICE_D_A1_SECRET, hex(KEYS.get("alice.d_a2.sign"), "secret"),
                rotate.userId(), rotate.oldDeviceId(), rotate.newDeviceId(), rotate.kexPublicKey(), rotate.timestamp());
        assertHex(signed.publicKey(), v, "new_public_key");
        assertHex(signed.oldSignature(), v, "old_signature");
        assertHex(signed.newSignature(), v, "new_signature");
        assertThat(DeviceRotation.verify(hex(v, "old_public_key"), rotate)).isTrue();
        assertThat(DeviceRotation.verify(hex(v, "new_public_key"), rotate)).as("signed by the new key only").isFalse();
        DeviceKeyRotate later = new DeviceKeyRotate(rotate.userId(), rotate.oldDeviceId(), rotate.newDeviceId(), rotate.publicKey(),
                rotate.kexPublicKey(), rotate.timestamp() + 1, rotate.oldSignature(), rotate.newSignature());
        assertThat(DeviceRotation.verify(hex(v, "old_public_key"), later)).isFalse();
        assertCanon(rotate, v);
    }

    // ---- D: traffic-key update -------------------------------------------------------------------

    @Test
    void trafficKeyUpdateAcrossTheEpochBoundary() {
        JsonNode v = section("d_tk_update");
        byte[] k0 = Bytes.unhex(Vectors.norc("handshake_json_0001").get("k_c2s").asText());
        JsonNode kDir = v.get("k_dir");
        byte[] k = k0;
        for (JsonNode expected : kDir) {
            assertThat(Bytes.hex(k)).isEqualTo(expected.asText());
            k = TrafficKeys.next(k);
        }
        long s0 = v.get("s0").asLong();
        TrafficKeys keys = new TrafficKeys(k0.clone(), s0);
        for (JsonNode e : v.get("epochs")) {
            long epoch = keys.epochOf(e.get("sequence_number").asLong());
            assertThat(epoch).isEqualTo(e.get("epoch").asLong());
            assertThat(Bytes.hex(keys.peek(epoch))).isEqualTo(e.get("key").asText());
        }
        assertThat(keys.epochOf(s0 - 1)).isEqualTo(-1);

        byte[] th = Bytes.unhex(Vectors.norc("handshake_json_0001").get("transcript_hash").asText());
        byte[] previous = null;
        for (JsonNode frame : v.get("frames")) {
            long sequence = frame.get("sequence_number").asLong();
            UUID messageId = UUID.fromString(frame.get("message_id").asText());
            byte[] payload = frame.get("payload_utf8").asText().getBytes(StandardCharsets.UTF_8);
            byte[] padded = Padding.pad(payload);
            assertHex(padded, frame, "padded_plaintext");
            byte[] prev = hex(frame, "prev_message_hash");
            if (previous != null) {
                assertThat(prev).isEqualTo(Blake3.hash(previous));
            }
            byte[] nonce = new byte[12];
            Bytes.putU64(nonce, 4, sequence);
            assertHex(nonce, frame, "nonce");
            byte[] aad = Aad.v1(2, 0, 0x20, sequence, messageId, padded.length + 16, prev, th);
            assertHex(aad, frame, "aad_v1");
            byte[] key = keys.advanceTo(keys.epochOf(sequence));
            assertHex(key, frame, "key");
            byte[] ciphertext = ChaCha20Poly1305.INSTANCE.seal(key, nonce, aad, padded);
            assertHex(ciphertext, frame, "ciphertext");
            assertHex(Blake3.hash(ciphertext), frame, "next_prev_message_hash");
            JsonFrame json = new JsonFrame(ciphertext, messageId, Optional.of(prev), Optional.of(sequence), "presence_update", "2.0");
            assertThat(new String(JSON.encodeRecord(json, null), StandardCharsets.UTF_8)).isEqualTo(frame.get("json_frame").asText());
            previous = ciphertext;
        }
        // the first frame of epoch 1 does not open under epoch 0's key, and epoch 0 is gone once epoch 1 is current
        JsonNode second = v.get("frames").get(1);
        assertThatThrownBy(() -> ChaCha20Poly1305.INSTANCE.open(Bytes.unhex(kDir.get(0).asText()), hex(second, "nonce"),
                hex(second, "aad_v1"), hex(second, "ciphertext"))).isInstanceOf(NorcException.class);
        assertThat(keys.peek(0)).isNull();
    }

    // ---- helpers ---------------------------------------------------------------------------------

    /** The canon decodes strictly to the record, re-encodes to the same bytes, and survives a JSON round trip. */
    private static void assertCanon(NorcMessage message, JsonNode vector) {
        byte[] canon = BINARY.encodeMessage(message);
        assertHex(canon, vector, "canon");
        NorcMessage decoded = BINARY.decodeMessage(canon);
        assertThat(BINARY.encodeMessage(decoded)).isEqualTo(canon);
        assertThat(BINARY.encodeMessage(JSON.decodeMessage(JSON.encodeMessage(decoded)))).isEqualTo(canon);
    }

    private static ConversationInfo.Plain plain(JsonNode fields) {
        Map<String, String> attributes = new LinkedHashMap<>();
        fields.get("attributes").fields().forEachRemaining(e -> attributes.put(e.getKey(), e.getValue().asText()));
        return new ConversationInfo.Plain(fields.get("title").asText(), attributes);
    }

    private static Map<String, Role> roles(JsonNode node) {
        Map<String, Role> members = new LinkedHashMap<>();
        node.fields().forEachRemaining(e -> members.put(e.getKey(), Role.valueOf(e.getValue().asText().toUpperCase())));
        return members;
    }

    private static void assertHex(byte[] actual, JsonNode vector, String member) {
        assertThat(Bytes.hex(actual)).as(member).isEqualTo(vector.get(member).asText());
    }

    private static byte[] flipBit(byte[] b) {
        byte[] c = b.clone();
        c[0] ^= 1;
        return c;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] sha256(byte[] data) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(data);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
