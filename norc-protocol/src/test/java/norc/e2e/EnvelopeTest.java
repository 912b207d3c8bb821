package norc.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;
import java.util.UUID;
import norc.crypto.Ed25519;
import norc.crypto.X25519;
import norc.error.ErrorCode;
import norc.error.NorcException;
import norc.wire.message.Atoms.Classification;
import norc.wire.message.MessageSend;
import org.junit.jupiter.api.Test;

/** Sealing for several devices, opening, signatures and the per-conversation chain (profile §6). */
class EnvelopeTest {
    static final SecureRandom RANDOM = new SecureRandom();

    record Device(UUID id, Ed25519.KeyPair signing, X25519.KeyPair kex) {
        static Device create() {
            return new Device(UUID.randomUUID(), Ed25519.generate(RANDOM), X25519.generate(RANDOM));
        }

        Envelope.RecipientDevice asRecipient() {
            return new Envelope.RecipientDevice(id, kex.publicKey());
        }
    }

    final Device alice = Device.create();
    final Device bobPhone = Device.create();
    final Device bobLaptop = Device.create();
    final UUID conversation = UUID.randomUUID();
    final ConversationChain aliceChain = new ConversationChain();

    MessageSend send(String text) {
        MessageSend m = Envelope.seal(new Envelope.Sender("alice@a.example", alice.id(), alice.signing().secretKey()),
                UUID.randomUUID(), conversation, List.of("bob@a.example"),
                new MessageSend.Metadata(1, "text", Classification.UNCLASSIFIED), aliceChain.next(conversation),
                text.getBytes(StandardCharsets.UTF_8), List.of(bobPhone.asRecipient(), bobLaptop.asRecipient()), RANDOM);
        aliceChain.recordSent(m);
        return m;
    }

    static void assertCode(Runnable action, ErrorCode code) {
        assertThatThrownBy(action::run).isInstanceOfSatisfying(NorcException.class, e -> assertThat(e.code()).isEqualTo(code));
    }

    @Test
    void everyRecipientDeviceOpensTheSameContent() {
        MessageSend m = send("hello bob");
        assertThat(m.keys()).containsOnlyKeys(bobPhone.id(), bobLaptop.id());
        for (Device d : List.of(bobPhone, bobLaptop)) {
            byte[] content = Envelope.open(m, d.id(), d.kex().secretKey(), alice.signing().publicKey());
            assertThat(new String(content, StandardCharsets.UTF_8)).isEqualTo("hello bob");
        }
        assertThat(m.ciphertext().length).isEqualTo(256 + 16); // padded to the minimum bucket
    }

    @Test
    void aDeviceWithoutAWrappedKeyCannotOpen() {
        Device stranger = Device.create();
        assertCode(() -> Envelope.open(send("x"), stranger.id(), stranger.kex().secretKey(), alice.signing().publicKey()),
                ErrorCode.FORBIDDEN);
    }

    @Test
    void theWrongKeyExchangeSecretFailsToUnwrap() {
        assertCode(() -> Envelope.open(send("x"), bobPhone.id(), bobLaptop.kex().secretKey(), alice.signing().publicKey()),
                ErrorCode.DECRYPT_FAILED);
    }

    @Test
    void tamperedCiphertextFailsTheSignature() {
        MessageSend m = send("x");
        byte[] ct = m.ciphertext().clone();
        ct[0] ^= 1;
        MessageSend tampered = new MessageSend(m.messageId(), m.conversationId(), m.recipients(), m.metadata(),
                m.e2eSequence(), m.e2ePrevHash(), ct, m.keys(), m.senderSignature(), m.senderUserId(), m.senderDeviceId());
        assertCode(() -> Envelope.open(tampered, bobPhone.id(), bobPhone.kex().secretKey(), alice.signing().publicKey()),
                ErrorCode.INVALID_SIGNATURE);
    }

    @Test
    void aSignatureByAnotherDeviceIsRejected() {
        assertCode(() -> Envelope.open(send("x"), bobPhone.id(), bobPhone.kex().secretKey(), bobLaptop.signing().publicKey()),
                ErrorCode.INVALID_SIGNATURE);
    }

    @Test
    void theChainAcceptsInOrderAndRejectsGapsAndReplays() {
        MessageSend first = send("1");
        MessageSend second = send("2");
        MessageSend third = send("3");
        assertThat(first.e2eSequence()).isZero();
        assertThat(first.e2ePrevHash()).containsOnly(0);
        assertThat(second.e2eSequence()).isEqualTo(1);

        ConversationChain bob = new ConversationChain();
        bob.verify(first, alice.id());
        assertCode(() -> bob.verify(third, alice.id()), ErrorCode.CHAIN_MISMATCH); // gap
        bob.verify(second, alice.id());
        assertCode(() -> bob.verify(second, alice.id()), ErrorCode.CHAIN_MISMATCH); // replay
        bob.verify(third, alice.id());
    }

    @Test
    void largeContentUsesTheLargeBuckets() {
        byte[] big = new byte[70_000];
        RANDOM.nextBytes(big);
        MessageSend m = Envelope.seal(new Envelope.Sender("alice@a.example", alice.id(), alice.signing().secretKey()),
                UUID.randomUUID(), conversation, List.of("bob@a.example"),
                new MessageSend.Metadata(1, "file", Classification.RESTRICTED), aliceChain.next(conversation), big,
                List.of(bobPhone.asRecipient()), RANDOM);
        assertThat(m.ciphertext().length).isEqualTo(2 * 65536 + 16);
        assertThat(Envelope.open(m, bobPhone.id(), bobPhone.kex().secretKey(), alice.signing().publicKey())).isEqualTo(big);
    }
}
