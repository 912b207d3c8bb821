package norc.wire;

import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import norc.wire.schema.FieldSchema;
import norc.wire.schema.RecordSchema;
import norc.wire.schema.WireType;

/**
 * Renders the field table of every message type, and of the records nested in them, as the
 * Markdown that {@code PROTOCOL.md} carries. The tables come from the same {@link RecordSchema}
 * the codecs use, so the document cannot drift from the code: a test compares the two and
 * regenerates the section on request.
 */
public final class ProtocolTables {
    public static final String BEGIN = "<!-- BEGIN GENERATED FIELD TABLES: edit the records in norc.wire.message, not this section -->";
    public static final String END = "<!-- END GENERATED FIELD TABLES -->";

    private ProtocolTables() {}

    /** The generated section, markers included. */
    public static String render() {
        StringBuilder out = new StringBuilder();
        out.append(BEGIN).append("\n\n");
        Set<RecordSchema> nested = new LinkedHashSet<>();
        MessageType.Layer layer = null;
        for (MessageType type : MessageType.values()) {
            if (type.layer() != layer) {
                layer = type.layer();
                out.append("### ").append(layerTitle(layer)).append("\n\n");
            }
            out.append("#### `").append(type.wireName()).append("` ")
                    .append(String.format(Locale.ROOT, "0x%02X", type.code()));
            if (type.codeFor(1) != type.code()) {
                out.append(String.format(Locale.ROOT, " (1.x: 0x%02X)", type.codeFor(1)));
            }
            out.append(" · sent by ").append(type.sender().name().toLowerCase(Locale.ROOT));
            if (type.layer() == MessageType.Layer.NORC_C && type.senderOn(MessageType.Layer.NORC_F) == MessageType.Sender.SERVER) {
                out.append(" · also server → server on NORC-F");
            }
            out.append(" · record `").append(type.schema().tableName()).append("`\n\n");
            table(type.schema(), out, nested);
        }
        out.append("### Nested records\n\n");
        Set<RecordSchema> done = new LinkedHashSet<>();
        while (!nested.isEmpty()) {
            RecordSchema next = nested.iterator().next();
            nested.remove(next);
            if (done.add(next)) {
                out.append("#### `").append(next.tableName()).append("`\n\n");
                table(next, out, nested);
            }
        }
        out.append("### Error codes\n\n| code | name | category | text sent to the peer |\n|---|---|---|---|\n");
        for (norc.error.ErrorCode code : norc.error.ErrorCode.values()) {
            out.append("| ").append(code.code()).append(" | `").append(code.atom()).append("` | `")
                    .append(code.category().atom()).append("` | ").append(code.genericMessage()).append(" |\n");
        }
        out.append('\n').append(END).append("\n");
        return out.toString();
    }

    private static String layerTitle(MessageType.Layer layer) {
        return switch (layer) {
            case NORC_C -> "NORC-C (client ↔ server)";
            case NORC_F -> "NORC-F (server ↔ server)";
            case NORC_T -> "NORC-T (trust)";
            case COMMON -> "Common";
        };
    }

    private static void table(RecordSchema schema, StringBuilder out, Set<RecordSchema> nested) {
        out.append("| # | field | type |\n|---|---|---|\n");
        int i = 1;
        for (FieldSchema field : schema.fields()) {
            out.append("| ").append(i++).append(" | `").append(field.name()).append("` | `")
                    .append(field.type().describe()).append("` |\n");
            collectNested(field.type(), nested);
        }
        out.append('\n');
    }

    private static void collectNested(WireType type, Set<RecordSchema> nested) {
        if (type instanceof WireType.Nested n) {
            nested.add(n.schema());
            n.schema().fields().forEach(f -> collectNested(f.type(), nested));
        } else if (type instanceof WireType.ListOf l) {
            collectNested(l.element(), nested);
        } else if (type instanceof WireType.MapOf m) {
            collectNested(m.value(), nested);
        } else if (type instanceof WireType.OptionalOf o) {
            collectNested(o.inner(), nested);
        }
    }
}
