package norc.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import norc.crypto.Ed25519;
import norc.crypto.X25519;
import norc.e2e.Envelope;
import norc.wire.message.DeviceRegister;

/**
 * One device's long-term identity (profile §5): its user ({@code local@domain}), device id,
 * Ed25519 signing key pair, X25519 key-exchange key pair (for end-to-end key wrapping, §6), a
 * description, and the server identity keys it pinned on first use. Saved as a JSON file readable
 * by its owner only ({@code rw-------} where the file system has POSIX permissions), written
 * atomically. Holds secret keys: {@link #toString} names only the device id, and nothing here
 * prints or logs key material.
 */
public final class DeviceIdentity {
    /** The {@code format} member of the saved file. */
    public static final String FORMAT = "norc-device-identity-v1";
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64_DECODER = Base64.getUrlDecoder();

    private final String userId;
    private final UUID deviceId;
    private final Ed25519.KeyPair signing;
    private final X25519.KeyPair kex;
    private final DeviceRegister.DeviceInfo deviceInfo;
    private final Map<String, byte[]> knownServers;

    /**
     * @param knownServers server address → pinned Ed25519 identity key (trust on first use)
     */
    public DeviceIdentity(String userId, UUID deviceId, Ed25519.KeyPair signing, X25519.KeyPair kex,
                          DeviceRegister.DeviceInfo deviceInfo, Map<String, byte[]> knownServers) {
        this.userId = requireUserId(userId);
        this.deviceId = Objects.requireNonNull(deviceId, "deviceId");
        this.signing = Objects.requireNonNull(signing, "signing");
        this.kex = Objects.requireNonNull(kex, "kex");
        this.deviceInfo = requireDeviceInfo(deviceInfo);
        if (!MessageDigest.isEqual(Ed25519.publicKeyOf(signing.secretKey()), signing.publicKey())) {
            throw new IllegalArgumentException("the signing public key does not belong to the secret key");
        }
        if (!MessageDigest.isEqual(X25519.publicKeyOf(kex.secretKey()), kex.publicKey())) {
            throw new IllegalArgumentException("the key-exchange public key does not belong to the secret key");
        }
        Map<String, byte[]> servers = new LinkedHashMap<>();
        knownServers.forEach((server, key) -> {
            if (key.length != Ed25519.PUBLIC_KEY_LENGTH) {
                throw new IllegalArgumentException("a pinned server key must be 32 bytes");
            }
            servers.put(server, key.clone());
        });
        this.knownServers = Collections.unmodifiableMap(servers);
    }

    /** A fresh identity with new keys and a random device id. */
    public static DeviceIdentity create(String userId, String deviceName, SecureRandom random) {
        return new DeviceIdentity(userId, UUID.randomUUID(), Ed25519.generate(random), X25519.generate(random),
                new DeviceRegister.DeviceInfo(deviceName, "cli", List.of("messaging", "e2ee")), Map.of());
    }

    /**
     * The successor of this device for a key rotation (groups profile C): a new device id and new
     * keys, the same user, device name and pinned servers. Register it with {@link NorcClient#rotate}.
     */
    public DeviceIdentity successor(SecureRandom random) {
        return new DeviceIdentity(userId, UUID.randomUUID(), Ed25519.generate(random), X25519.generate(random), deviceInfo,
                knownServers);
    }

    /** This identity with every server pinned in {@code other} pinned too. */
    public DeviceIdentity withKnownServers(DeviceIdentity other) {
        Map<String, byte[]> servers = new LinkedHashMap<>(knownServers);
        servers.putAll(other.knownServers);
        return new DeviceIdentity(userId, deviceId, signing, kex, deviceInfo, servers);
    }

    public String userId() {
        return userId;
    }

    public UUID deviceId() {
        return deviceId;
    }

    /** The Ed25519 public key registered with the server and used to verify this device's messages. */
    public byte[] signingPublicKey() {
        return signing.publicKey().clone();
    }

    /** The X25519 public key others wrap content keys for. */
    public byte[] kexPublicKey() {
        return kex.publicKey().clone();
    }

    public DeviceRegister.DeviceInfo deviceInfo() {
        return deviceInfo;
    }

    /** The pinned identity key of {@code server}, or {@code null} if none was pinned yet. */
    public byte[] knownServerKey(String server) {
        byte[] key = knownServers.get(server);
        return key == null ? null : key.clone();
    }

    /** This identity with {@code server}'s identity key pinned (replacing an earlier pin). */
    public DeviceIdentity withKnownServer(String server, byte[] serverPublicKey) {
        Map<String, byte[]> servers = new LinkedHashMap<>(knownServers);
        servers.put(Objects.requireNonNull(server), serverPublicKey.clone());
        return new DeviceIdentity(userId, deviceId, signing, kex, deviceInfo, servers);
    }

    // Secret-key access stays inside the SDK.
    byte[] signingSecretKey() {
        return signing.secretKey();
    }

    byte[] kexSecretKey() {
        return kex.secretKey();
    }

    Envelope.Sender envelopeSender() {
        return new Envelope.Sender(userId, deviceId, signing.secretKey());
    }

    /** Writes the identity to {@code file} atomically, owner-only where POSIX permissions exist. */
    public void save(Path file) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("user_id", userId);
        root.put("device_id", deviceId.toString());
        root.put("signing_secret_key", B64.encodeToString(signing.secretKey()));
        root.put("signing_public_key", B64.encodeToString(signing.publicKey()));
        root.put("kex_secret_key", B64.encodeToString(kex.secretKey()));
        root.put("kex_public_key", B64.encodeToString(kex.publicKey()));
        ObjectNode info = root.putObject("device_info");
        info.put("name", deviceInfo.name());
        info.put("type", deviceInfo.type());
        ArrayNode capabilities = info.putArray("capabilities");
        deviceInfo.capabilities().forEach(capabilities::add);
        ObjectNode servers = root.putObject("known_servers");
        knownServers.forEach((server, key) -> servers.put(server, B64.encodeToString(key)));
        writeOwnerOnly(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
    }

    /**
     * Reads an identity saved by {@link #save}; checks that each public key belongs to its secret.
     *
     * @throws IOException when the file is unreadable or not a valid identity (the message never
     *     quotes the file's content)
     */
    public static DeviceIdentity load(Path file) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(file));
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new IOException("not a NORC identity file (invalid JSON): " + file.getFileName());
        }
        try {
            if (root == null || !FORMAT.equals(text(root, "format"))) {
                throw new IllegalArgumentException("unknown format");
            }
            JsonNode info = root.get("device_info");
            List<String> capabilities = new ArrayList<>();
            if (info == null || !info.isObject() || !info.path("capabilities").isArray()) {
                throw new IllegalArgumentException("device_info");
            }
            info.get("capabilities").forEach(c -> capabilities.add(c.asText()));
            Map<String, byte[]> servers = new LinkedHashMap<>();
            JsonNode known = root.path("known_servers");
            for (Map.Entry<String, JsonNode> entry : known.properties()) {
                servers.put(entry.getKey(), B64_DECODER.decode(entry.getValue().asText()));
            }
            return new DeviceIdentity(text(root, "user_id"), UUID.fromString(text(root, "device_id")),
                    new Ed25519.KeyPair(bytes(root, "signing_secret_key"), bytes(root, "signing_public_key")),
                    new X25519.KeyPair(bytes(root, "kex_secret_key"), bytes(root, "kex_public_key")),
                    new DeviceRegister.DeviceInfo(text(info, "name"), text(info, "type"), capabilities), servers);
        } catch (IllegalArgumentException | norc.error.NorcException e) {
            throw new IOException("not a valid NORC identity file: " + file.getFileName());
        }
    }

    /**
     * Whether {@code file} is readable and writable by its owner only. {@code true} where the file
     * system has no POSIX permissions (nothing to check there).
     */
    public static boolean hasOwnerOnlyPermissions(Path file) throws IOException {
        if (!supportsPosix(file)) {
            return true;
        }
        Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
        return OWNER_ONLY.containsAll(permissions);
    }

    /**
     * Writes {@code content} to {@code file} through a temporary file in the same directory that
     * is created owner-only, then moved into place (atomically where the file system can).
     */
    public static void writeOwnerOnly(Path file, byte[] content) throws IOException {
        Path absolute = file.toAbsolutePath();
        Path dir = absolute.getParent();
        Files.createDirectories(dir);
        boolean posix = supportsPosix(dir);
        FileAttribute<?>[] attributes = posix
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)}
                : new FileAttribute<?>[0];
        Path temp = Files.createTempFile(dir, "." + absolute.getFileName(), ".tmp", attributes);
        try {
            if (!posix) {
                java.io.File f = temp.toFile();
                f.setReadable(false, false);
                f.setWritable(false, false);
                f.setReadable(true, true);
                f.setWritable(true, true);
            }
            Files.write(temp, content);
            try {
                Files.move(temp, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, absolute, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static boolean supportsPosix(Path path) {
        return (path.getFileSystem() == null ? FileSystems.getDefault() : path.getFileSystem())
                .supportedFileAttributeViews().contains("posix");
    }

    /** Never the keys, nor the user: identities must not end up in logs. */
    @Override
    public String toString() {
        return "DeviceIdentity[device=" + deviceId + "]";
    }

    /**
     * A user id as profile §5 writes it, {@code local@domain}: one {@code @}, both parts non-empty,
     * no whitespace or control characters, at most 320 characters. The server has the last word.
     */
    public static String requireUserId(String userId) {
        Objects.requireNonNull(userId, "userId");
        int at = userId.indexOf('@');
        boolean ok = userId.length() <= 320 && at > 0 && at == userId.lastIndexOf('@') && at < userId.length() - 1
                && userId.codePoints().noneMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c));
        if (!ok) {
            throw new IllegalArgumentException("a user id looks like local@domain");
        }
        return userId;
    }

    private static DeviceRegister.DeviceInfo requireDeviceInfo(DeviceRegister.DeviceInfo info) {
        Objects.requireNonNull(info, "deviceInfo");
        if (info.name() == null || info.name().isEmpty() || info.name().length() > 256) {
            throw new IllegalArgumentException("a device name has 1 to 256 characters");
        }
        if (!isAtom(info.type()) || !info.capabilities().stream().allMatch(DeviceIdentity::isAtom)) {
            throw new IllegalArgumentException("device type and capabilities are atoms: [a-z0-9_]{1,64}");
        }
        return new DeviceRegister.DeviceInfo(info.name(), info.type(), List.copyOf(info.capabilities()));
    }

    private static boolean isAtom(String s) {
        return s != null && s.matches("[a-z0-9_]{1,64}");
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw new IllegalArgumentException(field);
        }
        return value.asText();
    }

    private static byte[] bytes(JsonNode node, String field) {
        return B64_DECODER.decode(text(node, field));
    }
}
