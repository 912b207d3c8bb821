package norc.server.contract;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import norc.server.device.api.DeviceEvent;
import norc.server.device.api.DeviceSnapshot;
import norc.server.user.api.UserEvent;
import norc.server.user.api.UserSnapshot;
import org.apache.pekko.serialization.jackson.JacksonMigration;

/**
 * Reads journals written before {@link ContractNames} existed: then events were nested classes of
 * the entities, written by Pekko's {@code jackson-cbor} serializer with their class names as
 * manifests. Each old name is configured under {@code pekko.serialization.jackson.migrations} with
 * this migration, which maps it to the class that now holds the same fields. New rows are written
 * by {@link ContractSerializer}; these names are only ever read.
 */
public final class LegacyManifests extends JacksonMigration {
    static final Map<String, Class<?>> RENAMED = Map.ofEntries(
            Map.entry("norc.server.device.DeviceSessionEntity$OwnerClaimed", DeviceEvent.OwnerClaimed.class),
            Map.entry("norc.server.device.DeviceSessionEntity$MessageStored", DeviceEvent.MessageStored.class),
            Map.entry("norc.server.device.DeviceSessionEntity$MessageAcknowledged", DeviceEvent.MessageAcknowledged.class),
            Map.entry("norc.server.device.DeviceSessionEntity$MessagesAcknowledged", DeviceEvent.MessagesAcknowledged.class),
            Map.entry("norc.server.device.DeviceSessionEntity$MessagesExpired", DeviceEvent.MessagesExpired.class),
            Map.entry("norc.server.device.DeviceSessionEntity$DeviceRevoked", DeviceEvent.DeviceRevoked.class),
            Map.entry("norc.server.device.DeviceSessionEntity$Snapshot", DeviceSnapshot.class),
            Map.entry("norc.server.user.UserEntity$UserCreated", UserEvent.UserCreated.class),
            Map.entry("norc.server.user.UserEntity$EnrollmentTokenIssued", UserEvent.EnrollmentTokenIssued.class),
            Map.entry("norc.server.user.UserEntity$DeviceRegistered", UserEvent.DeviceRegistered.class),
            Map.entry("norc.server.user.UserEntity$DeviceRevoked", UserEvent.DeviceRevoked.class),
            Map.entry("norc.server.user.UserEntity$ContactsAdded", UserEvent.ContactsAdded.class),
            Map.entry("norc.server.user.UserEntity$State", UserSnapshot.class));

    @Override
    public int currentVersion() {
        return 2; // rows without a version are 1: older than this, so the class name is transformed
    }

    @Override
    public String transformClassName(int fromVersion, String className) {
        Class<?> renamed = RENAMED.get(className);
        return renamed == null ? className : renamed.getName();
    }

    @Override
    public JsonNode transform(int fromVersion, JsonNode json) {
        return json; // same fields
    }
}
