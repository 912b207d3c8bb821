package norc.server.http;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import norc.server.connection.ConnectionActor;
import norc.server.connection.InboundFrame;
import norc.wire.WireEncoding;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.http.javadsl.model.ws.BinaryMessage;
import org.apache.pekko.http.javadsl.model.ws.Message;
import org.apache.pekko.http.javadsl.model.ws.TextMessage;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.typed.javadsl.ActorSink;
import org.apache.pekko.stream.typed.javadsl.ActorSource;
import org.apache.pekko.util.ByteString;

/**
 * Joins one WebSocket to its {@link ConnectionActor} (profile §2). Inbound: each message is
 * collected whole, counting bytes as they stream in; past the limit the rest is read and thrown away
 * and the actor hears {@link InboundFrame.TooLarge}. Messages reach the actor one at a time, each
 * acknowledged before the next (backpressure to the socket). Outbound: a bounded buffer the actor
 * fills; overflowing it (a client that stopped reading) fails the socket, and the messages it did
 * not acknowledge stay in its inbox.
 */
public final class WebSocketFrames {
    /** Outbound messages queued per connection before a non-reading client is dropped. */
    static final int OUTBOUND_BUFFER = 256;

    private WebSocketFrames() {}

    public static Flow<Message, Message, NotUsed> flow(ActorRef<ConnectionActor.Command> connection, WireEncoding encoding,
                                                       int maxMessageBytes, Materializer materializer) {
        Sink<Message, NotUsed> inbound = Flow.<Message>create()
                .mapAsync(1, message -> collect(message, encoding, maxMessageBytes, materializer))
                .to(ActorSink.<InboundFrame, ConnectionActor.Command, ConnectionActor.Ack>actorRefWithBackpressure(connection,
                        (ackTo, frame) -> new ConnectionActor.Inbound(frame, ackTo),
                        ConnectionActor.StreamStarted::new,
                        ConnectionActor.Ack.INSTANCE,
                        ConnectionActor.StreamCompleted.INSTANCE,
                        ConnectionActor.StreamFailed::new));
        Source<Message, NotUsed> outbound = ActorSource.<ConnectionActor.Outgoing>actorRef(
                        out -> out == ConnectionActor.Close.INSTANCE, out -> Optional.empty(), OUTBOUND_BUFFER, OverflowStrategy.fail())
                .mapMaterializedValue(out -> {
                    connection.tell(new ConnectionActor.OutboundReady(out));
                    return NotUsed.getInstance();
                })
                .collectType(ConnectionActor.Send.class)
                .map(send -> toMessage(send.bytes(), encoding));
        return Flow.fromSinkAndSourceCoupled(inbound, outbound);
    }

    /** The largest WebSocket message for a payload limit: header, length prefix, padding, tag; JSON adds base64. */
    public static int maxMessageBytes(int maxPayload, WireEncoding encoding) {
        long binary = (long) maxPayload + 64 * 1024 + 256;
        long limit = encoding == WireEncoding.BINARY ? binary : binary * 4 / 3 + 1024;
        return (int) Math.min(Integer.MAX_VALUE - 16, limit);
    }

    static Message toMessage(byte[] bytes, WireEncoding encoding) {
        return encoding == WireEncoding.BINARY
                ? BinaryMessage.create(ByteString.fromArrayUnsafe(bytes))
                : TextMessage.create(new String(bytes, StandardCharsets.UTF_8));
    }

    static CompletionStage<InboundFrame> collect(Message message, WireEncoding encoding, int max, Materializer materializer) {
        boolean wanted = encoding == WireEncoding.BINARY ? !message.isText() : message.isText();
        if (message.isText()) {
            TextMessage text = message.asTextMessage();
            if (text.isStrict()) {
                return CompletableFuture.completedFuture(wanted ? frame(text.getStrictText().getBytes(StandardCharsets.UTF_8), max)
                        : InboundFrame.WrongKind.INSTANCE);
            }
            return text.getStreamedText().map(ByteString::fromString)
                    .runFold(new Collector(max), Collector::add, materializer)
                    .thenApply(c -> wanted ? c.result() : InboundFrame.WrongKind.INSTANCE);
        }
        BinaryMessage binary = message.asBinaryMessage();
        if (binary.isStrict()) {
            return CompletableFuture.completedFuture(wanted ? frame(binary.getStrictData().toArray(), max)
                    : InboundFrame.WrongKind.INSTANCE);
        }
        return binary.getStreamedData()
                .runFold(new Collector(max), Collector::add, materializer)
                .thenApply(c -> wanted ? c.result() : InboundFrame.WrongKind.INSTANCE);
    }

    private static InboundFrame frame(byte[] bytes, int max) {
        return bytes.length > max ? InboundFrame.TooLarge.INSTANCE : new InboundFrame.Data(bytes);
    }

    /** Gathers parts up to the limit; beyond it only counts, so the socket stays readable. */
    private static final class Collector {
        private final int max;
        private ByteString data = ByteString.emptyByteString();
        private boolean tooLarge;

        Collector(int max) {
            this.max = max;
        }

        Collector add(ByteString part) {
            if (!tooLarge && data.size() + part.size() > max) {
                tooLarge = true;
                data = ByteString.emptyByteString();
            } else if (!tooLarge) {
                data = data.concat(part);
            }
            return this;
        }

        InboundFrame result() {
            return tooLarge ? InboundFrame.TooLarge.INSTANCE : new InboundFrame.Data(data.toArray());
        }
    }
}
