package norc.server.device.api;

import java.util.UUID;
import norc.server.contract.Contract;

/**
 * Published on the cluster-wide topic {@link #TOPIC} when a registered device's entity has
 * recovered (it moved to another node after a node left or died, or was restarted): the device's
 * connection, on whichever node it is, attaches again at once instead of at its next periodic
 * refresh, so delivery resumes as soon as the entity is back.
 */
public record DeviceRestarted(UUID deviceId) implements Contract {
    public static final String TOPIC = "norc-device-restarted";
}
