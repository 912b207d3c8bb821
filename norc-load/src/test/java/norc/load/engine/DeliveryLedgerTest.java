package norc.load.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The total-queue bookkeeping of one recipient, and the numbered chat text it reads. */
class DeliveryLedgerTest {
    final DeliveryLedger ledger = new DeliveryLedger();

    @Test
    void anAcceptedMessageIsDeliveredWhicheverArrivesFirstTheAckOrTheMessage() {
        UUID ackFirst = UUID.randomUUID();
        UUID messageFirst = UUID.randomUUID();
        ledger.accepted(ackFirst);
        assertThat(ledger.outstanding()).isEqualTo(1);
        ledger.received(ackFirst, 0, 2);
        ledger.received(messageFirst, 1, 2);
        assertThat(ledger.outstanding()).isZero();
        ledger.accepted(messageFirst);

        assertThat(ledger.tally(3)).isEqualTo(new QueueTally(2, 2, 0, 0, 0, 3, 0));
    }

    @Test
    void whatWasAcceptedAndNeverReceivedIsLostAndAReceivedMessageNeverAcceptedIsRecovered() {
        ledger.accepted(UUID.randomUUID());
        ledger.received(UUID.randomUUID(), 1, 2); // its send failed or was never answered
        assertThat(ledger.tally(0)).isEqualTo(new QueueTally(1, 0, 1, 0, 0, 0, 1));
    }

    @Test
    void aMessageShownTwiceIsADuplicateUnderItsIdOrAnother() {
        UUID id = UUID.randomUUID();
        ledger.accepted(id);
        ledger.received(id, 0, 1);
        ledger.received(id, 0, 1);
        ledger.received(UUID.randomUUID(), 0, 1); // the same message sealed again under a new id
        assertThat(ledger.tally(0)).isEqualTo(new QueueTally(1, 1, 0, 0, 2, 0, 0));
    }

    @Test
    void aMessageNobodySentIsUnexpected() {
        ledger.received(UUID.randomUUID(), -1, 5); // not the partner's, or unreadable
        ledger.received(UUID.randomUUID(), 7, 5); // a number the partner never used
        assertThat(ledger.tally(0)).isEqualTo(new QueueTally(0, 0, 0, 2, 0, 0, 0));
    }

    @Test
    void theChatTextCarriesTheSenderAndTheSequenceAndHasTheRunsSize() {
        String text = ChatText.of(12, 345, 64);
        assertThat(text).hasSize(64).startsWith("12:345:");
        assertThat(ChatText.sequence(text, 12)).hasValue(345);
        assertThat(ChatText.sequence(text, 13)).isEmpty();
        assertThat(ChatText.sequence("hello", 12)).isEmpty();
        assertThat(ChatText.sequence("12:-1:x", 12)).isEmpty();
        assertThat(ChatText.of(1, 2, 0)).isEqualTo("1:2:");
    }
}
