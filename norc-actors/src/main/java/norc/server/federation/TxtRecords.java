package norc.server.federation;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import javax.naming.NamingEnumeration;
import javax.naming.NamingException;
import javax.naming.directory.Attribute;
import javax.naming.directory.Attributes;
import javax.naming.directory.InitialDirContext;

/**
 * DNS TXT records for the {@code dns} trust method (federation profile §6.1): looked up for a
 * peer's proof, published for this server's. With a zone file configured both go through that file
 * ({@code name value} per line), which lets servers on one machine prove control to each other; else
 * lookups ask DNS through JNDI and this server cannot publish. No DNSSEC validation is done here, so
 * {@code dns} never proves more than basic.
 */
public final class TxtRecords {
    private final Path zoneFile;
    private final String dnsServer;
    private final boolean lookups;

    public TxtRecords(FederationSettings.Trust trust) {
        this.zoneFile = trust.dnsZoneFile().isEmpty() ? null : Path.of(trust.dnsZoneFile());
        this.dnsServer = trust.dnsServer();
        this.lookups = trust.dnsLookups();
    }

    /** Whether this server checks peers' {@code dns} proofs (and so may choose that method). */
    boolean canLookUp() {
        return lookups;
    }

    /** Whether this server can publish its own proofs (and so offers {@code dns}). */
    boolean canPublish() {
        return zoneFile != null;
    }

    /** The TXT values at {@code name}; empty when there are none or the lookup failed. */
    List<String> lookup(String name) {
        if (zoneFile != null) {
            List<String> values = new ArrayList<>();
            for (String line : lines()) {
                int space = line.indexOf(' ');
                if (space > 0 && line.substring(0, space).equalsIgnoreCase(name)) {
                    values.add(line.substring(space + 1).strip());
                }
            }
            return values;
        }
        Hashtable<String, String> env = new Hashtable<>();
        env.put("java.naming.factory.initial", "com.sun.jndi.dns.DnsContextFactory");
        env.put("java.naming.provider.url", dnsServer.isEmpty() ? "dns:" : "dns://" + dnsServer);
        env.put("com.sun.jndi.dns.timeout.initial", "2000");
        env.put("com.sun.jndi.dns.timeout.retries", "2");
        List<String> values = new ArrayList<>();
        try {
            Attributes attributes = new InitialDirContext(env).getAttributes(name, new String[] {"TXT"});
            Attribute txt = attributes.get("TXT");
            if (txt != null) {
                NamingEnumeration<?> all = txt.getAll();
                while (all.hasMore()) {
                    values.add(all.next().toString().replace("\"", ""));
                }
            }
        } catch (NamingException e) {
            return List.of();
        }
        return values;
    }

    /** Replaces the TXT record at {@code name} in the zone file. */
    synchronized void publish(String name, String value) {
        if (zoneFile == null) {
            throw new IllegalStateException("no zone file to publish in");
        }
        List<String> kept = new ArrayList<>();
        for (String line : lines()) {
            if (!line.toLowerCase(java.util.Locale.ROOT).startsWith(name.toLowerCase(java.util.Locale.ROOT) + " ")) {
                kept.add(line);
            }
        }
        kept.add(name + " " + value);
        try {
            if (zoneFile.getParent() != null) {
                Files.createDirectories(zoneFile.getParent());
            }
            Path temporary = zoneFile.resolveSibling(zoneFile.getFileName() + ".tmp" + ProcessHandle.current().pid());
            Files.write(temporary, kept, StandardCharsets.UTF_8);
            Files.move(temporary, zoneFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the zone file " + zoneFile + ": " + e.getMessage(), e);
        }
    }

    private List<String> lines() {
        try {
            return Files.exists(zoneFile) ? Files.readAllLines(zoneFile, StandardCharsets.UTF_8) : List.of();
        } catch (IOException e) {
            return List.of();
        }
    }
}
