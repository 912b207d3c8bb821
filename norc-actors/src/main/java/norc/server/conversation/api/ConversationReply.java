package norc.server.conversation.api;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import norc.server.contract.Contract;
import norc.server.contract.WireMessage;

/** A group entity's answers. */
public sealed interface ConversationReply extends Contract {

    /**
     * A change was journalled: one signed {@code membership_update} per device to reach, in the
     * group's order ({@code answer}: the requesting device's copy, carrying the {@code request_id}).
     */
    record Applied(WireMessage answer, List<Copy> copies) implements ConversationReply {}

    /** One device's copy of a statement. */
    record Copy(UUID device, WireMessage update) implements Contract {}

    /** Refused with {@code code} and the {@code details} the profile allows (the requester is a member). */
    record Refused(int code, Map<String, String> details) implements ConversationReply {}

    /** Not a member, or no such group (unknown, deleted, tombstoned): {@code 2001}, one answer for all. */
    enum NotAllowed implements ConversationReply { INSTANCE }

    /** The members now and the version, for a member. */
    record MemberList(long version, List<String> members) implements ConversationReply {}
}
