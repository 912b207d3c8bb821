package norc.server.conversation.api;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import norc.server.contract.Contract;
import norc.server.contract.WireMessage;

/** A group entity's answers. */
public sealed interface ConversationReply extends Contract {

    /**
     * A change was journalled and its copies stored in every other device's inbox: {@code answer}
     * is the requesting device's copy, carrying the {@code request_id}.
     */
    record Applied(WireMessage answer) implements ConversationReply {}

    /**
     * Refused with {@code code} and the {@code details} the profile allows (the requester is a
     * member); {@code retryAfter} seconds for {@code 6001}, else 0.
     */
    record Refused(int code, Map<String, String> details, long retryAfter) implements ConversationReply {
        public Refused(int code, Map<String, String> details) {
            this(code, details, 0);
        }
    }

    /** Not a member, or no such group (unknown, deleted, tombstoned): {@code 2001}, one answer for all. */
    enum NotAllowed implements ConversationReply { INSTANCE }

    /** The members now and the version, for a member. */
    record MemberList(long version, List<String> members) implements ConversationReply {}

    /** A group message's copies all committed (or were there before). */
    record Sent(UUID messageId) implements ConversationReply {}

    /** The members changed since the caller resolved their devices: resolve and ask again. */
    enum Moved implements ConversationReply { INSTANCE }

    /**
     * The answer to {@link ConversationCommand.Probe}, for the server's own checks (never told
     * to a client): {@code group} false for an id that is no group (a 1:1 conversation).
     */
    record Membership(boolean group, boolean member) implements ConversationReply {}
}
