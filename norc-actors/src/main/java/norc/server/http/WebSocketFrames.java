package norc.server.http;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import norc.server.connection.ClientSocket;
import norc.server.connection.ConnectionActor;
import norc.server.connection.InboundFrame;
import norc.wire.WireEncoding;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.http.javadsl.model.ws.BinaryMessage;
import org.apache.pekko.http.javadsl.model.ws.Message;
import org.apache.pekko.http.javadsl.model.ws.TextMessage;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * Joins one pekko-http WebSocket to its {@link ConnectionActor} through a {@link ClientSocket}
 * ({@code norc.client.transport = pekko}, the endpoint kept to measure beside Netty). Inbound: each
 * message is collected whole, counting bytes as they stream in; past the limit the rest is read and
 * thrown away and the actor hears {@link InboundFrame.TooLarge}; a message goes to the actor only
 * when it asked ({@link ClientSocket#requestNext()}), which backpressures the socket. Outbound: a
 * bounded queue; overflowing it (a client that stopped reading) fails the socket, and the messages it
 * did not acknowledge stay in its inbox.
 */
public final class WebSocketFrames {
    /** Outbound messages queued per connection before a non-reading client is dropped. */
    static final int OUTBOUND_BUFFER = 256;

    private WebSocketFrames() {}

    /** A socket for an actor that does not exist yet; {@link StreamSocket#flow} wires it once it does. */
    static StreamSocket socket(WireEncoding encoding, Materializer materializer) {
        return new StreamSocket(encoding, materializer);
    }

    /** {@link ClientSocket} over a pekko-stream WebSocket flow. */
    static final class StreamSocket implements ClientSocket {
        private final WireEncoding encoding;
        private final BoundedSourceQueue<Message> out;
        private final Source<Message, NotUsed> outbound;
        private final AtomicReference<CompletableFuture<Void>> demand = new AtomicReference<>(new CompletableFuture<>());
        private volatile boolean closing;

        private StreamSocket(WireEncoding encoding, Materializer materializer) {
            this.encoding = encoding;
            Pair<BoundedSourceQueue<Message>, Source<Message, NotUsed>> queue =
                    Source.<Message>queue(OUTBOUND_BUFFER).preMaterialize(materializer);
            this.out = queue.first();
            this.outbound = queue.second();
        }

        Flow<Message, Message, NotUsed> flow(ActorRef<ConnectionActor.Command> connection, int maxMessageBytes,
                                             Materializer materializer) {
            Sink<Message, NotUsed> inbound = Flow.<Message>create()
                    .mapAsync(1, message -> collect(message, encoding, maxMessageBytes, materializer))
                    .to(Sink.foreachAsync(1, frame -> deliver(connection, frame)));
            return Flow.fromSinkAndSourceCoupled(inbound, outbound)
                    .watchTermination((notUsed, done) -> {
                        done.whenComplete((d, error) -> connection.tell(ConnectionActor.SocketClosed.INSTANCE));
                        return NotUsed.getInstance();
                    });
        }

        /** Hands one message to the actor once it has asked for it; the stream waits for that. */
        private CompletionStage<Void> deliver(ActorRef<ConnectionActor.Command> connection, InboundFrame frame) {
            if (closing) {
                return CompletableFuture.completedFuture(null); // read and dropped while closing
            }
            return demand.get().thenRun(() -> {
                demand.set(new CompletableFuture<>());
                if (!closing) {
                    connection.tell(new ConnectionActor.Inbound(frame));
                }
            });
        }

        @Override
        public void requestNext() {
            demand.get().complete(null);
        }

        @Override
        public void send(byte[] message) {
            if (out.offer(toMessage(message, encoding)) != QueueOfferResult.enqueued()) {
                out.fail(new IllegalStateException("the client is not reading"));
            }
        }

        @Override
        public void close() {
            closing = true;
            demand.get().complete(null);
            out.complete();
        }
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
