package norc.server.connection;

import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import norc.error.ErrorCode;
import norc.server.device.api.DeviceCommand;
import norc.server.device.api.DeviceReply;
import norc.server.message.MessageRouter;
import norc.server.user.api.DeviceRecord;
import norc.server.user.api.UserCommand;
import norc.server.user.api.UserReply;
import norc.wire.message.KeyResponse;
import org.apache.pekko.actor.testkit.typed.javadsl.TestInbox;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.sharding.typed.testkit.javadsl.TestEntityRef;

/**
 * The rest of the node as one connection sees it, as a test double: the user and device entities
 * ({@link ConnectionActor.Entities}), the message router and the connection supervisor. Messages
 * told to them land in inboxes and are ignored; every ask gets an immediate answer from
 * {@link #answer}. The user directory holds {@link LegitimateDevice} (active) and its revoked
 * sibling; registrations of other devices succeed. Sends and key lookups are split
 * deterministically, so that the connection handles both kinds of answer.
 */
final class StubNode implements ConnectionActor.Entities {
    private final TestInbox<UserCommand> users = TestInbox.create();
    private final TestInbox<DeviceCommand> devices = TestInbox.create();
    private final TestInbox<MessageRouter.Command> router = TestInbox.create();
    private final TestInbox<ConnectionSupervisor.Command> supervisor = TestInbox.create();

    @Override
    public EntityRef<UserCommand> user(String userId) {
        return TestEntityRef.of(UserCommand.ENTITY_TYPE_KEY, userId, users.getRef());
    }

    @Override
    public EntityRef<DeviceCommand> device(UUID deviceId) {
        return TestEntityRef.of(DeviceCommand.ENTITY_TYPE_KEY, deviceId.toString(), devices.getRef());
    }

    ActorRef<MessageRouter.Command> router() {
        return router.getRef();
    }

    ActorRef<ConnectionSupervisor.Command> supervisor() {
        return supervisor.getRef();
    }

    /** The answer to {@code request}, asked of {@code target}; an ask the stub does not know is a test failure. */
    Object answer(RecipientRef<?> target, Object request) {
        if (request instanceof UserCommand.GetDevice get) {
            return new UserReply.DeviceLookup(directory(entityId(target), get.deviceId()));
        }
        if (request instanceof UserCommand.Register register) {
            return register.device().deviceId().equals(LegitimateDevice.DEVICE_ID) ? UserReply.RegisterResult.DEVICE_EXISTS
                    : UserReply.RegisterResult.REGISTERED;
        }
        if (request instanceof UserCommand.Revoke) {
            return UserReply.RevokeResult.REVOKED;
        }
        if (request instanceof DeviceCommand.Claim) {
            return entityId(target).equals(LegitimateDevice.REVOKED_DEVICE_ID.toString()) ? DeviceReply.ClaimResult.REVOKED
                    : DeviceReply.ClaimResult.CLAIMED;
        }
        if (request instanceof MessageRouter.Route route) {
            return route.message().recipients().isEmpty()
                    ? new MessageRouter.Refused(route.message().messageId(), ErrorCode.RATE_LIMITED, 1)
                    : new MessageRouter.Accepted(route.message().messageId());
        }
        if (request instanceof MessageRouter.LookupKeys lookup) {
            return lookup.userIds().isEmpty() ? new MessageRouter.KeysRefused(ErrorCode.RATE_LIMITED, 1)
                    : new MessageRouter.KeysFound(new KeyResponse(Map.of()));
        }
        if (request instanceof ConnectionSupervisor.AllowRegistration) {
            return 0L;
        }
        throw new AssertionError("the stub node has no answer to " + request.getClass().getName());
    }

    private static Optional<DeviceRecord> directory(String userId, UUID deviceId) {
        if (!userId.equals(LegitimateDevice.USER_ID)) {
            return Optional.empty();
        }
        if (deviceId.equals(LegitimateDevice.DEVICE_ID)) {
            return Optional.of(LegitimateDevice.record());
        }
        return deviceId.equals(LegitimateDevice.REVOKED_DEVICE_ID) ? Optional.of(LegitimateDevice.revokedRecord())
                : Optional.empty();
    }

    private static String entityId(RecipientRef<?> target) {
        return ((EntityRef<?>) target).getEntityId();
    }
}
