package norc.server.connection;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import norc.error.ErrorCode;
import norc.server.crypto.CryptoPool;
import norc.server.device.api.DeviceCommand;
import norc.server.device.api.DeviceReply;
import norc.server.user.api.DeviceRecord;
import norc.server.user.api.UserCommand;
import norc.server.user.api.UserReply;
import norc.session.DeviceRotation;
import norc.wire.message.DeviceKeyRotate;
import norc.wire.message.ErrorMessage;
import norc.wire.message.KeyResponse;
import norc.wire.message.NorcMessage;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * One {@code device_key_rotate} of a connection's device (groups profile C), a short-lived child
 * of its {@link ConnectionActor}: only the session's own user and device ({@code 2001}), a
 * timestamp within 300 s ({@code 3010}), both signatures on the crypto pool ({@code 4002}), the
 * successor id claimed like a registration ({@code 3017} when it is another user's), then the
 * user entity's rotation ({@code 3017}, {@code 1005}). Its {@link Done} carries the answer and,
 * after a rotation, the connection's device record as it is now (its key ends with the overlap).
 */
final class KeyRotation {
    private static final Duration JOURNAL_ANSWER_TIMEOUT = Duration.ofSeconds(5);
    private static final long ROTATION_SKEW_MICROS = 300_000_000L;
    /** As the connection's own outage answers ({@code retry_after}). */
    private static final long OUTAGE_RETRY_AFTER = 5;

    /** The answer to send, and the device record after a rotation (else null). */
    record Done(NorcMessage answer, DeviceRecord rotated) implements NoSerializationVerificationNeeded {}

    sealed interface Command extends NoSerializationVerificationNeeded {}

    private record Checked(boolean signed) implements Command {}

    private record Claimed(DeviceReply.ClaimResult result) implements Command {}

    private record Rotated(UserReply.RotateResult result) implements Command {}

    static Behavior<Command> create(DeviceKeyRotate rotate, String userId, DeviceRecord device, ConnectionActor.Entities entities,
                                    CryptoPool crypto, ActorRef<Done> replyTo) {
        return Behaviors.setup(context -> new KeyRotation(context, rotate, userId, device, entities, replyTo).start(crypto));
    }

    private final ActorContext<Command> context;
    private final DeviceKeyRotate rotate;
    private final String userId;
    private final DeviceRecord device;
    private final ConnectionActor.Entities entities;
    private final ActorRef<Done> replyTo;

    private KeyRotation(ActorContext<Command> context, DeviceKeyRotate rotate, String userId, DeviceRecord device,
                        ConnectionActor.Entities entities, ActorRef<Done> replyTo) {
        this.context = context;
        this.rotate = rotate;
        this.userId = userId;
        this.device = device;
        this.entities = entities;
        this.replyTo = replyTo;
    }

    private Behavior<Command> start(CryptoPool crypto) {
        if (!rotate.userId().equals(userId) || !rotate.oldDeviceId().equals(device.deviceId())) {
            return done(ErrorMessage.of(ErrorCode.FORBIDDEN));
        }
        Instant now = Instant.now();
        if (Math.abs(now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000 - rotate.timestamp()) > ROTATION_SKEW_MICROS) {
            return done(ErrorMessage.of(ErrorCode.STALE_TIMESTAMP));
        }
        byte[] oldKey = device.publicKey();
        context.pipeToSelf(crypto.run(random -> DeviceRotation.verify(oldKey, rotate)),
                (signed, error) -> new Checked(Boolean.TRUE.equals(signed)));
        return Behaviors.receive(Command.class)
                .onMessage(Checked.class, this::onChecked)
                .onMessage(Claimed.class, this::onClaimed)
                .onMessage(Rotated.class, this::onRotated)
                .build();
    }

    private Behavior<Command> onChecked(Checked checked) {
        if (!checked.signed()) {
            return done(ErrorMessage.of(ErrorCode.INVALID_SIGNATURE));
        }
        context.ask(DeviceReply.ClaimResult.class, entities.device(rotate.newDeviceId()), JOURNAL_ANSWER_TIMEOUT,
                replyTo -> new DeviceCommand.Claim(userId, replyTo), (result, error) -> new Claimed(result));
        return Behaviors.same();
    }

    private Behavior<Command> onClaimed(Claimed claimed) {
        if (claimed.result() == null) {
            return done(ErrorMessage.of(ErrorCode.UNAVAILABLE, OUTAGE_RETRY_AFTER));
        }
        if (!claimed.result().granted()) {
            return done(ErrorMessage.of(ErrorCode.ROTATION_REJECTED)); // the id is another user's device
        }
        DeviceRecord successor = new DeviceRecord(rotate.newDeviceId(), rotate.publicKey(), rotate.kexPublicKey(),
                device.name(), device.type(), System.currentTimeMillis(), 0);
        context.ask(UserReply.RotateResult.class, entities.user(userId), JOURNAL_ANSWER_TIMEOUT,
                replyTo -> new UserCommand.Rotate(device.deviceId(), successor, Instant.now().getEpochSecond(), replyTo),
                (result, error) -> new Rotated(result));
        return Behaviors.same();
    }

    private Behavior<Command> onRotated(Rotated rotated) {
        if (rotated.result() == null) {
            return done(ErrorMessage.of(ErrorCode.UNAVAILABLE, OUTAGE_RETRY_AFTER));
        }
        if (rotated.result() instanceof UserReply.Rotated ok) {
            KeyResponse.DeviceKey own = ok.keys().devices().get(device.deviceId());
            DeviceRecord now = own == null ? null : device.rotatedTo(rotate.newDeviceId(), own.expiresAt());
            replyTo.tell(new Done(new KeyResponse(Map.of(userId, ok.keys().devices())), now));
            return Behaviors.stopped();
        }
        UserReply.RotateRefused refused = (UserReply.RotateRefused) rotated.result();
        return done(ErrorMessage.of(refused.rejected() ? ErrorCode.ROTATION_REJECTED : ErrorCode.KEY_EXPIRED));
    }

    private Behavior<Command> done(NorcMessage answer) {
        replyTo.tell(new Done(answer, null));
        return Behaviors.stopped();
    }
}
