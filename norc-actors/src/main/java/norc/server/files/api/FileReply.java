package norc.server.files.api;

import java.util.Map;
import java.util.UUID;
import norc.server.contract.Contract;

/** A file entity's answers. */
public sealed interface FileReply extends Contract {

    /** What the server holds of an upload: the {@code received} bitmap (B.2) and the unsealed upload's deletion time (seconds). */
    record Held(byte[] received, long expiresAt) implements FileReply {}

    /** Refused with {@code code} and the {@code details} the profile allows ({@code file_id} and, for {@code 3007}, the limit). */
    record Refused(int code, Map<String, String> details) implements FileReply {}

    /** Sealed now ({@code again}: the identical manifest had sealed it before). */
    record Sealed(boolean again) implements FileReply {}

    /**
     * {@code user} may read the chunk if {@code group} is null; else if it is a member of that
     * group now. {@code chunkKey}: the chunk store's key of this file.
     */
    record Readable(String chunkKey, UUID group) implements FileReply {}
}
