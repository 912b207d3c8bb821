package norc.server.audit.api;

import java.util.Map;
import norc.server.contract.Contract;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * What may be sent to the audit journal, the cluster singleton that writes the one chain (spec
 * §6.18), from any node. Not sealed only because the journal has a private stop message of its own.
 */
public interface AuditCommand extends Contract {

    /**
     * Appends an entry. {@code fields} are already pseudonymised by the sending node (no clear
     * user, device or conversation id ever crosses a node boundary); names as in {@link norc.audit.AuditEntry}.
     */
    record Append(String kind, Map<String, String> fields) implements AuditCommand {}

    /** The head of the chain as the journal holds it. */
    record GetHead(ActorRef<AuditReply.Head> replyTo) implements AuditCommand {}
}
