package norc.bench;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import norc.crypto.Ed25519;
import norc.crypto.X25519;
import norc.e2e.ConversationChain;
import norc.e2e.Envelope;
import norc.wire.message.Atoms.Classification;
import norc.wire.message.MessageSend;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The end-to-end envelope of {@code message_send} (profile §6), client-side work the server never
 * does. Content is {@value #CONTENT_LENGTH} bytes, padded to 1 KiB (1040 bytes of ciphertext).
 *
 * <ul>
 *   <li>{@link #seal}: {@code Envelope.seal} for {@code devices} recipient devices: a fresh content
 *   key, pad, ChaCha20-Poly1305 of the content, then per device a fresh X25519 ephemeral (base-point
 *   multiplication), X25519 agreement, HKDF-BLAKE3, two BLAKE3 (salt, nonce) and ChaCha20-Poly1305
 *   of the 32-byte key; finally BLAKE3 of the ciphertext and the sender's Ed25519 signature.</li>
 *   <li>{@link #open}: {@code Envelope.open} by one recipient device: Ed25519 verification
 *   (BLAKE3 of the ciphertext inside), unwrap (X25519, HKDF, two BLAKE3, ChaCha20-Poly1305 of 48
 *   bytes), ChaCha20-Poly1305 open of the content, unpad. The message is sealed for one device at
 *   set-up; opening does not depend on how many other devices it was sealed for.</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class EnvelopeBenchmark {
    static final int CONTENT_LENGTH = 1000;

    /** What both sides share: a sender, a conversation, a content. */
    abstract static class Base {
        SecureRandom random;
        Envelope.Sender sender;
        byte[] senderPublicKey;
        UUID messageId;
        UUID conversationId;
        List<String> recipients;
        MessageSend.Metadata metadata;
        ConversationChain.Link link;
        byte[] content;

        void init() {
            random = BenchRandom.create();
            Ed25519.KeyPair signing = Ed25519.generate(random);
            sender = new Envelope.Sender("alice@a.example", UUID.randomUUID(), signing.secretKey());
            senderPublicKey = signing.publicKey();
            messageId = UUID.randomUUID();
            conversationId = UUID.randomUUID();
            recipients = List.of("bob@b.example");
            metadata = new MessageSend.Metadata(1_767_225_600_000_000L, "text", Classification.UNCLASSIFIED);
            link = new ConversationChain().next(conversationId);
            content = new byte[CONTENT_LENGTH];
            random.nextBytes(content);
        }
    }

    @State(Scope.Thread)
    public static class SealState extends Base {
        /** Recipient devices to wrap the content key for. */
        @Param({"1", "10"})
        public int devices;

        List<Envelope.RecipientDevice> recipientDevices;

        @Setup
        public void setUp() {
            init();
            recipientDevices = new ArrayList<>(devices);
            for (int i = 0; i < devices; i++) {
                recipientDevices.add(new Envelope.RecipientDevice(UUID.randomUUID(), X25519.generate(random).publicKey()));
            }
        }
    }

    @State(Scope.Thread)
    public static class OpenState extends Base {
        UUID deviceId;
        byte[] kexSecret;
        MessageSend message;

        @Setup
        public void setUp() {
            init();
            X25519.KeyPair kex = X25519.generate(random);
            deviceId = UUID.randomUUID();
            kexSecret = kex.secretKey();
            message = Envelope.seal(sender, messageId, conversationId, recipients, metadata, link, content,
                    List.of(new Envelope.RecipientDevice(deviceId, kex.publicKey())), random);
            if (message.ciphertext().length != 1024 + 16) {
                throw new IllegalStateException("ciphertext of " + message.ciphertext().length + " bytes");
            }
            if (!Arrays.equals(content, Envelope.open(message, deviceId, kexSecret, senderPublicKey))) {
                throw new IllegalStateException("envelope does not open");
            }
        }
    }

    @Benchmark
    public MessageSend seal(SealState s) {
        return Envelope.seal(s.sender, s.messageId, s.conversationId, s.recipients, s.metadata, s.link, s.content,
                s.recipientDevices, s.random);
    }

    @Benchmark
    public byte[] open(OpenState s) {
        return Envelope.open(s.message, s.deviceId, s.kexSecret, s.senderPublicKey);
    }
}
