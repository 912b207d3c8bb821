package norc.server.http;

import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.post;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import norc.server.ServerSettings;
import norc.server.ShardedEntities;
import norc.server.UserIds;
import norc.server.audit.AuditEvent;
import norc.server.audit.AuditKinds;
import norc.server.audit.AuditLog;
import norc.server.device.api.DeviceCommand;
import norc.server.device.api.DeviceReply;
import norc.server.user.api.DeviceRecord;
import norc.server.user.api.UserCommand;
import norc.server.user.api.UserReply;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The operator's device routes: {@code GET /admin/users/{user}/devices} (every device of a local
 * user, revoked ones included: id, name, type, registered and revoked times in ms),
 * {@code POST /admin/users/{user}/devices/{device}/revoke} (revocation without a signed
 * {@code device_revoke}, for a device its owner can no longer sign with: 200, 404 unknown device,
 * 409 already revoked) and {@code POST /admin/devices/{device}/disconnect} (closes the device's
 * live session on whichever node holds it; the device may reconnect). Revocations and disconnects
 * are audited ({@code admin.action}; the revocation also as {@code device.revocation}).
 */
final class DeviceRoutes {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private DeviceRoutes() {}

    static Route route(ServerSettings settings, ShardedEntities entities, AuditLog audit) {
        return concat(
                path(PathMatchers.segment("users").slash(PathMatchers.segment()).slash("devices"),
                        user -> get(() -> local(settings, user, () -> list(entities, user)))),
                path(PathMatchers.segment("users").slash(PathMatchers.segment()).slash("devices")
                                .slash(PathMatchers.uuidSegment()).slash("revoke"),
                        (user, device) -> post(() -> local(settings, user, () -> revoke(entities, audit, user, device)))),
                path(PathMatchers.segment("devices").slash(PathMatchers.uuidSegment()).slash("disconnect"),
                        device -> post(() -> disconnect(entities, audit, device))));
    }

    private static Route local(ServerSettings settings, String user, java.util.function.Supplier<Route> route) {
        return UserIds.isLocal(user, settings.serverId()) ? route.get()
                : AdminEndpoint.error(StatusCodes.BAD_REQUEST, "user_id must be local@" + settings.serverId());
    }

    private static Route list(ShardedEntities entities, String user) {
        CompletionStage<UserReply.Devices> devices = entities.user(user).ask(UserCommand.ListDevices::new, TIMEOUT);
        return AdminEndpoint.answered(devices, answer -> {
            if (!answer.exists()) {
                return AdminEndpoint.error(StatusCodes.NOT_FOUND, "no such user");
            }
            List<Map<String, Object>> listed = new ArrayList<>();
            answer.devices().stream().sorted(java.util.Comparator.comparingLong(DeviceRecord::registeredAt))
                    .forEach(d -> listed.add(device(d)));
            return AdminEndpoint.json(StatusCodes.OK, Map.of("user_id", user, "disabled", answer.disabled(), "devices", listed));
        });
    }

    private static Map<String, Object> device(DeviceRecord d) {
        Map<String, Object> device = new LinkedHashMap<>();
        device.put("device_id", d.deviceId().toString());
        device.put("name", d.name());
        device.put("type", d.type());
        device.put("registered_at", d.registeredAt());
        device.put("revoked_at", d.revoked() ? d.revokedAt() : null);
        device.put("expires_at", d.expiresAt()); // epoch seconds (groups profile C)
        device.put("successor", d.successor() == null ? null : d.successor().toString());
        return device;
    }

    private static Route revoke(ShardedEntities entities, AuditLog audit, String user, UUID device) {
        CompletionStage<UserReply.RevokeResult> result = entities.user(user)
                .ask(replyTo -> new UserCommand.AdminRevoke(device, replyTo), TIMEOUT);
        return AdminEndpoint.answered(result, answer -> switch (answer) {
            case REVOKED -> {
                audit.record(AuditEvent.of(AuditKinds.ADMIN_ACTION).with("action", "device.revoked").with("via", "admin-api")
                        .user(user).device(device));
                yield AdminEndpoint.json(StatusCodes.OK, Map.of("device_id", device.toString(), "revoked", true));
            }
            case ALREADY_REVOKED -> AdminEndpoint.error(StatusCodes.CONFLICT, "already revoked");
            default -> AdminEndpoint.error(StatusCodes.NOT_FOUND, "no such device of this user");
        });
    }

    private static Route disconnect(ShardedEntities entities, AuditLog audit, UUID device) {
        CompletionStage<DeviceReply.Disconnected> result = entities.device(device).ask(DeviceCommand.Disconnect::new, TIMEOUT);
        return AdminEndpoint.answered(result, answer -> {
            if (answer.hadSession()) {
                audit.record(AuditEvent.of(AuditKinds.ADMIN_ACTION).with("action", "session.disconnected").with("via", "admin-api")
                        .device(device));
            }
            return AdminEndpoint.json(StatusCodes.OK, Map.of("device_id", device.toString(), "had_session", answer.hadSession()));
        });
    }
}
