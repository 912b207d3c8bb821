package norc.server.contract;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import norc.server.audit.api.AuditCommand;
import norc.server.audit.api.AuditJournalEvent;
import norc.server.audit.api.AuditReply;
import norc.server.audit.api.AuditSnapshot;
import norc.server.device.api.DeviceCommand;
import norc.server.device.api.DeviceEvent;
import norc.server.device.api.DeviceOutbound;
import norc.server.device.api.DeviceReply;
import norc.server.device.api.DeviceRestarted;
import norc.server.device.api.DeviceSnapshot;
import norc.server.federation.api.IngressCommand;
import norc.server.federation.api.IngressReply;
import norc.server.federation.api.LedgerCommand;
import norc.server.federation.api.LinkCommand;
import norc.server.federation.api.LinkReply;
import norc.server.federation.api.LedgerEvent;
import norc.server.federation.api.LedgerReply;
import norc.server.federation.api.LedgerSnapshot;
import norc.server.federation.api.OutboxCommand;
import norc.server.federation.api.OutboxEvent;
import norc.server.federation.api.OutboxReply;
import norc.server.federation.api.OutboxSnapshot;
import norc.server.federation.api.RelayEntry;
import norc.server.federation.api.TrustCommand;
import norc.server.federation.api.TrustEvent;
import norc.server.federation.api.TrustReply;
import norc.server.federation.api.TrustSnapshot;
import norc.server.federation.api.TrustSummary;
import norc.server.user.api.UserCommand;
import norc.server.user.api.UserEvent;
import norc.server.user.api.UserReply;
import norc.server.user.api.UserSnapshot;

/**
 * The stable name of every {@link Contract}: the manifest written beside its bytes in the journal
 * and on the wire between nodes. A name, once released, is never changed or reused; a class may be
 * renamed or moved freely as long as its name here stays. Events and snapshots are read back for as
 * long as journals exist, messages only during a rolling update.
 */
public final class ContractNames {
    private static final Map<Class<?>, String> NAMES = new LinkedHashMap<>();
    private static final Map<String, Class<?>> CLASSES = new HashMap<>();
    private static final Map<String, Function<byte[], Object>> SALVAGE = new HashMap<>();

    static {
        // values shared by several protocols
        name("wire-message", WireMessage.class);

        // device entity: commands, replies, outbound to connections, journal
        name("device.claim", DeviceCommand.Claim.class);
        name("device.store", DeviceCommand.Store.class);
        name("device.store-all", DeviceCommand.StoreAll.class);
        name("device.attach", DeviceCommand.Attach.class);
        name("device.detach", DeviceCommand.Detach.class);
        name("device.acknowledge", DeviceCommand.Acknowledge.class);
        name("device.spend", DeviceCommand.Spend.class);
        name("device.push", DeviceCommand.Push.class);
        name("device.relay", DeviceCommand.Relay.class);
        name("device.confirm-revoke", DeviceCommand.ConfirmRevoke.class);
        name("device.revoke-confirmed", DeviceReply.RevokeConfirmed.class);
        name("device.revoke", DeviceCommand.Revoke.class);
        name("device.disconnect", DeviceCommand.Disconnect.class);
        name("device.disconnected", DeviceReply.Disconnected.class);
        name("device.claim-result", DeviceReply.ClaimResult.class);
        name("device.store-reply", DeviceReply.StoreReply.class);
        name("device.spent", DeviceReply.Spent.class);
        name("device.out.deliver", DeviceOutbound.Deliver.class);
        name("device.out.ephemeral", DeviceOutbound.Ephemeral.class);
        name("device.out.revoked", DeviceOutbound.Revoked.class);
        name("device.out.superseded", DeviceOutbound.Superseded.class);
        name("device.event.owner-claimed", DeviceEvent.OwnerClaimed.class);
        name("device.event.message-stored", DeviceEvent.MessageStored.class);
        name("device.event.message-acknowledged", DeviceEvent.MessageAcknowledged.class);
        name("device.event.messages-acknowledged", DeviceEvent.MessagesAcknowledged.class);
        name("device.event.messages-expired", DeviceEvent.MessagesExpired.class);
        name("device.event.messages-unreadable", DeviceEvent.MessagesUnreadable.class);
        name("device.event.device-revoked", DeviceEvent.DeviceRevoked.class);
        name("device.event.inbox-drained", DeviceEvent.InboxDrained.class);
        name("device.snapshot", DeviceSnapshot.class);
        name("device.restarted", DeviceRestarted.class);

        // user entity
        name("user.create", UserCommand.Create.class);
        name("user.issue-token", UserCommand.IssueToken.class);
        name("user.register", UserCommand.Register.class);
        name("user.get-device", UserCommand.GetDevice.class);
        name("user.list-devices", UserCommand.ListDevices.class);
        name("user.admin-revoke", UserCommand.AdminRevoke.class);
        name("user.set-disabled", UserCommand.SetDisabled.class);
        name("user.get-keys", UserCommand.GetKeys.class);
        name("user.resolve-recipient", UserCommand.ResolveRecipient.class);
        name("user.add-contacts", UserCommand.AddContacts.class);
        name("user.get-contacts", UserCommand.GetContacts.class);
        name("user.revoke", UserCommand.Revoke.class);
        name("user.push-to-devices", UserCommand.PushToDevices.class);
        name("user.rotate", UserCommand.Rotate.class);
        name("user.create-result", UserReply.CreateResult.class);
        name("user.token-issued", UserReply.TokenIssued.class);
        name("user.no-such-user", UserReply.NoSuchUser.class);
        name("user.register-result", UserReply.RegisterResult.class);
        name("user.revoke-result", UserReply.RevokeResult.class);
        name("user.device-lookup", UserReply.DeviceLookup.class);
        name("user.devices", UserReply.Devices.class);
        name("user.disable-result", UserReply.DisableResult.class);
        name("user.keys", UserReply.Keys.class);
        name("user.recipient", UserReply.Recipient.class);
        name("user.contacts", UserReply.Contacts.class);
        name("user.rotated", UserReply.Rotated.class);
        name("user.rotate-refused", UserReply.RotateRefused.class);
        name("user.event.user-created", UserEvent.UserCreated.class);
        name("user.event.enrollment-token-issued", UserEvent.EnrollmentTokenIssued.class);
        name("user.event.device-registered", UserEvent.DeviceRegistered.class);
        name("user.event.device-revoked", UserEvent.DeviceRevoked.class);
        name("user.event.contacts-added", UserEvent.ContactsAdded.class);
        name("user.event.user-disabled", UserEvent.UserDisabled.class);
        name("user.event.user-enabled", UserEvent.UserEnabled.class);
        name("user.event.device-rotated", UserEvent.DeviceRotated.class);
        name("user.snapshot", UserSnapshot.class);
        name("user.in-group", UserCommand.InGroup.class);
        name("user.event.group-joined", UserEvent.GroupJoined.class);
        name("user.event.group-left", UserEvent.GroupLeft.class);

        // conversation entity (groups)
        name("conversation.create", norc.server.conversation.api.ConversationCommand.Create.class);
        name("conversation.update", norc.server.conversation.api.ConversationCommand.Update.class);
        name("conversation.snapshot", norc.server.conversation.api.ConversationCommand.Snapshot.class);
        name("conversation.members", norc.server.conversation.api.ConversationCommand.Members.class);
        name("conversation.send", norc.server.conversation.api.ConversationCommand.Send.class);
        name("conversation.applied", norc.server.conversation.api.ConversationReply.Applied.class);
        name("conversation.refused", norc.server.conversation.api.ConversationReply.Refused.class);
        name("conversation.not-allowed", norc.server.conversation.api.ConversationReply.NotAllowed.class);
        name("conversation.member-list", norc.server.conversation.api.ConversationReply.MemberList.class);
        name("conversation.sent", norc.server.conversation.api.ConversationReply.Sent.class);
        name("conversation.moved", norc.server.conversation.api.ConversationReply.Moved.class);
        name("conversation.member", norc.server.conversation.api.ConversationEvent.Member.class);
        name("conversation.member-devices", norc.server.conversation.api.ConversationEvent.MemberDevices.class);
        name("conversation.target", norc.server.conversation.api.ConversationEvent.Target.class);
        name("conversation.event.membership-changed", norc.server.conversation.api.ConversationEvent.MembershipChanged.class);
        name("conversation.event.info-keys-added", norc.server.conversation.api.ConversationEvent.InfoKeysAdded.class);
        name("conversation.event.copies-stored", norc.server.conversation.api.ConversationEvent.CopiesStored.class);
        name("conversation.share-file", norc.server.conversation.api.ConversationCommand.ShareFile.class);
        name("conversation.probe", norc.server.conversation.api.ConversationCommand.Probe.class);
        name("conversation.user-devices", norc.server.conversation.api.ConversationCommand.UserDevices.class);
        name("conversation.membership", norc.server.conversation.api.ConversationReply.Membership.class);
        name("device.owner", DeviceCommand.Owner.class);
        name("device.owned-by", DeviceReply.OwnedBy.class);

        // file entity (groups profile B)
        name("file.upload", norc.server.files.api.FileCommand.Upload.class);
        name("file.seal", norc.server.files.api.FileCommand.Seal.class);
        name("file.read", norc.server.files.api.FileCommand.Read.class);
        name("file.held", norc.server.files.api.FileReply.Held.class);
        name("file.refused", norc.server.files.api.FileReply.Refused.class);
        name("file.sealed", norc.server.files.api.FileReply.Sealed.class);
        name("file.readable", norc.server.files.api.FileReply.Readable.class);
        name("file.event.upload-bound", norc.server.files.api.FileEvent.UploadBound.class);
        name("file.event.chunk-stored", norc.server.files.api.FileEvent.ChunkStored.class);
        name("file.event.file-sealed", norc.server.files.api.FileEvent.FileSealed.class);
        name("file.event.file-expired", norc.server.files.api.FileEvent.FileExpired.class);
        name("file-quota.reserve", norc.server.files.api.QuotaCommand.Reserve.class);
        name("file-quota.sealed", norc.server.files.api.QuotaCommand.Sealed.class);
        name("file-quota.released", norc.server.files.api.QuotaCommand.Released.class);
        name("file-quota.reply", norc.server.files.api.QuotaReply.class);
        name("file-quota.event.upload-reserved", norc.server.files.api.QuotaEvent.UploadReserved.class);
        name("file-quota.event.upload-sealed", norc.server.files.api.QuotaEvent.UploadSealed.class);
        name("file-quota.event.upload-released", norc.server.files.api.QuotaEvent.UploadReleased.class);

        // federation: a peer's outbox (relays and delivery acks to send) and an origin's relay ledger
        name("federation.outbox.enqueue", OutboxCommand.Enqueue.class);
        name("federation.outbox.delivery-reported", OutboxCommand.DeliveryReported.class);
        name("federation.outbox.report-delivery", OutboxCommand.ReportDelivery.class);
        name("federation.outbox.wake", OutboxCommand.Wake.class);
        name("federation.outbox.fail-all", OutboxCommand.FailAll.class);
        name("federation.outbox.queued", OutboxReply.Queued.class);
        name("federation.relay-entry", RelayEntry.class);
        name("federation.outbox.event.relay-queued", OutboxEvent.RelayQueued.class);
        name("federation.outbox.event.relay-accepted", OutboxEvent.RelayAccepted.class);
        name("federation.outbox.event.relay-failed", OutboxEvent.RelayFailed.class);
        name("federation.outbox.event.deliveries-reported", OutboxEvent.DeliveriesReported.class);
        name("federation.outbox.event.ack-queued", OutboxEvent.AckQueued.class);
        name("federation.outbox.event.ack-sent", OutboxEvent.AckSent.class);
        name("federation.outbox.snapshot", OutboxSnapshot.class);
        name("federation.ledger.begin", LedgerCommand.Begin.class);
        name("federation.ledger.record", LedgerCommand.Record.class);
        name("federation.ledger.abandon", LedgerCommand.Abandon.class);
        name("federation.ledger.proceed", LedgerReply.Proceed.class);
        name("federation.ledger.recorded", LedgerReply.Recorded.class);
        name("federation.ledger.event.outcome-recorded", LedgerEvent.OutcomeRecorded.class);
        name("federation.ledger.snapshot", LedgerSnapshot.class);
        name("federation.link.send", LinkCommand.Send.class);
        name("federation.link.cut", LinkCommand.Cut.class);
        name("federation.link.answered", LinkReply.Answered.class);
        name("federation.link.unreachable", LinkReply.Unreachable.class);
        name("federation.ingress.lease", IngressCommand.Lease.class);
        name("federation.ingress.granted", IngressReply.Granted.class);
        name("federation.ingress.refused", IngressReply.Refused.class);
        name("trust.get", TrustCommand.Get.class);
        name("trust.add", TrustCommand.Add.class);
        name("trust.ask", TrustCommand.Ask.class);
        name("trust.issue-challenge", TrustCommand.IssueChallenge.class);
        name("trust.answer", TrustCommand.Answer.class);
        name("trust.decide", TrustCommand.Decide.class);
        name("trust.revoke", TrustCommand.Revoke.class);
        name("trust.revoked-by-peer", TrustCommand.RevokedByPeer.class);
        name("trust.lift-deny", TrustCommand.LiftDeny.class);
        name("trust.record", TrustReply.Record.class);
        name("trust.refused", TrustReply.Refused.class);
        name("trust.summary", TrustSummary.class);
        name("trust.event.created", TrustEvent.Created.class);
        name("trust.event.asked", TrustEvent.Asked.class);
        name("trust.event.challenge-issued", TrustEvent.ChallengeIssued.class);
        name("trust.event.challenge-answered", TrustEvent.ChallengeAnswered.class);
        name("trust.event.granted", TrustEvent.Granted.class);
        name("trust.event.rejected", TrustEvent.Rejected.class);
        name("trust.event.revoked", TrustEvent.Revoked.class);
        name("trust.event.revoked-by-peer", TrustEvent.RevokedByPeer.class);
        name("trust.event.deny-lifted", TrustEvent.DenyLifted.class);
        name("trust.snapshot", TrustSnapshot.class);

        // audit journal (spec §6.18): the chain's one writer, and its entries, never deleted; a row
        // that no longer decodes reads as unreadable instead of failing the replay, so the journal
        // still recovers and the verifier names the row
        name("audit.append", AuditCommand.Append.class);
        name("audit.get-head", AuditCommand.GetHead.class);
        name("audit.head", AuditReply.Head.class);
        name("audit.event.entry-appended", AuditJournalEvent.EntryAppended.class);
        name("audit.snapshot", AuditSnapshot.class);
        SALVAGE.put("audit.event.entry-appended", AuditJournalEvent.EntryUnreadable::new);
    }

    private static void name(String name, Class<? extends Contract> type) {
        if (CLASSES.put(name, type) != null || NAMES.put(type, name) != null) {
            throw new IllegalStateException("contract name or class listed twice: " + name);
        }
    }

    /** The stable name of a contract's class; a class not listed is refused, so nothing leaves unnamed. */
    public static String nameOf(Class<?> type) {
        String name = NAMES.get(type);
        if (name == null) {
            throw new IllegalArgumentException("not a named contract: " + type.getName() + " (add it to ContractNames)");
        }
        return name;
    }

    public static Class<?> classOf(String name) {
        Class<?> type = CLASSES.get(name);
        if (type == null) {
            throw new IllegalArgumentException("unknown contract name: " + name);
        }
        return type;
    }

    /** What a stored value of this name that no longer decodes is read as instead, or null: it fails. */
    public static Function<byte[], Object> salvageOf(String name) {
        return SALVAGE.get(name);
    }

    /** Every named class with its name, in the order above. */
    public static Map<Class<?>, String> all() {
        return Map.copyOf(NAMES);
    }

    private ContractNames() {}
}
