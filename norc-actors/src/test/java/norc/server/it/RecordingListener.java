package norc.server.it;

import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import norc.client.ClientListener;
import norc.client.GroupChange;
import norc.client.Receipt;
import norc.client.ReceivedMessage;
import norc.error.ErrorCode;
import norc.error.NorcException;
import norc.wire.message.PresenceUpdate;

/** Collects what an SDK client hears. */
final class RecordingListener implements ClientListener {
    final BlockingQueue<ReceivedMessage> messages = new LinkedBlockingQueue<>();
    final BlockingQueue<Receipt> receipts = new LinkedBlockingQueue<>();
    final BlockingQueue<ErrorCode> rejected = new LinkedBlockingQueue<>();
    final BlockingQueue<PresenceUpdate> presence = new LinkedBlockingQueue<>();
    final BlockingQueue<UUID> revoked = new LinkedBlockingQueue<>();
    final BlockingQueue<NorcException> errors = new LinkedBlockingQueue<>();
    final CompletableFuture<Throwable> closed = new CompletableFuture<>();
    /** {@code key_expiry_notice}s: the expiry each named (epoch seconds). */
    final BlockingQueue<Long> expiring = new LinkedBlockingQueue<>();
    /** The groups' signed changes this device applied. */
    final BlockingQueue<GroupChange> groups = new LinkedBlockingQueue<>();
    /** Messages (their text) and group changes ({@code "#change v<version>"}) in the order this device heard them. */
    final java.util.List<String> timeline = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Override
    public void onMessage(ReceivedMessage message) {
        timeline.add(new String(message.content(), java.nio.charset.StandardCharsets.UTF_8));
        messages.add(message);
    }

    @Override
    public void onReceipt(Receipt receipt) {
        receipts.add(receipt);
    }

    @Override
    public void onRejected(UUID messageId, ErrorCode reason) {
        rejected.add(reason);
    }

    @Override
    public void onPresence(PresenceUpdate update) {
        presence.add(update);
    }

    @Override
    public void onDeviceRevoked(String userId, UUID deviceId) {
        revoked.add(deviceId);
    }

    @Override
    public void onError(NorcException error) {
        errors.add(error);
    }

    @Override
    public void onKeyExpiring(UUID deviceId, long expiresAt) {
        expiring.add(expiresAt);
    }

    @Override
    public void onGroupChanged(GroupChange change) {
        timeline.add("#" + change.change().name().toLowerCase(java.util.Locale.ROOT) + " v" + change.version());
        groups.add(change);
    }

    @Override
    public void onClosed(Throwable cause) {
        closed.complete(cause);
    }
}
