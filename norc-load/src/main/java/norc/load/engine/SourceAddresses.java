package norc.load.engine;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The local addresses a worker connects from, used in turn. A TCP connection from one source
 * address takes one ephemeral port of it, so one address holds at most the size of the kernel's
 * ephemeral port range (28,232 by default) connections; several loopback addresses (127.0.0.2,
 * 127.0.0.3, ... all reach a server on 127.0.0.1 on Linux) multiply that.
 */
public final class SourceAddresses {
    /** Default ephemeral range of Linux ({@code net.ipv4.ip_local_port_range = 32768 60999}). */
    public static final int DEFAULT_PORTS_PER_ADDRESS = 60999 - 32768 + 1;

    private final List<InetAddress> addresses;
    private final AtomicLong next = new AtomicLong();

    public SourceAddresses(List<InetAddress> addresses) {
        this.addresses = List.copyOf(addresses);
    }

    /** No binding: the kernel picks the source address (one address's ports). */
    public static SourceAddresses kernelChoice() {
        return new SourceAddresses(List.of());
    }

    /**
     * Parses {@code 127.0.0.2-127.0.0.9} (an IPv4 range, last octet varying) or a comma-separated
     * list of addresses, or a mix ({@code 127.0.0.2,127.0.0.5-127.0.0.7}).
     */
    public static List<InetAddress> parse(String spec) {
        List<InetAddress> out = new ArrayList<>();
        for (String part : spec.split(",")) {
            String item = part.strip();
            if (item.isEmpty()) {
                continue;
            }
            int dash = item.indexOf('-');
            if (dash < 0) {
                out.add(literal(item));
                continue;
            }
            byte[] from = literal(item.substring(0, dash).strip()).getAddress();
            byte[] to = literal(item.substring(dash + 1).strip()).getAddress();
            if (from.length != 4 || to.length != 4 || from[0] != to[0] || from[1] != to[1] || from[2] != to[2]
                    || Byte.toUnsignedInt(from[3]) > Byte.toUnsignedInt(to[3])) {
                throw new IllegalArgumentException("an address range must be IPv4 with only the last number rising: "
                        + item);
            }
            for (int last = Byte.toUnsignedInt(from[3]); last <= Byte.toUnsignedInt(to[3]); last++) {
                byte[] address = from.clone();
                address[3] = (byte) last;
                try {
                    out.add(InetAddress.getByAddress(address));
                } catch (UnknownHostException e) {
                    throw new IllegalArgumentException(e);
                }
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no source address given");
        }
        return out;
    }

    private static InetAddress literal(String text) {
        if (!text.matches("[0-9.]+") && !text.contains(":")) {
            throw new IllegalArgumentException("a source address must be an IP literal: " + text);
        }
        try {
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address: " + text);
        }
    }

    /** The next address in turn, or {@code null} when the kernel chooses. */
    public InetAddress next() {
        if (addresses.isEmpty()) {
            return null;
        }
        return addresses.get((int) Math.floorMod(next.getAndIncrement(), (long) addresses.size()));
    }

    public List<InetAddress> addresses() {
        return addresses;
    }

    /**
     * Connections these addresses can hold at most, with {@code portsPerAddress} ephemeral ports
     * on each (a port bound before connecting is taken whatever the destination).
     */
    public long capacity(int portsPerAddress) {
        return (long) Math.max(1, addresses.size()) * portsPerAddress;
    }

    /**
     * The size of this machine's ephemeral port range from
     * {@code /proc/sys/net/ipv4/ip_local_port_range}, or the Linux default if it cannot be read.
     */
    public static int portsPerAddress() {
        try {
            String[] range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).strip().split("\\s+");
            return Integer.parseInt(range[1]) - Integer.parseInt(range[0]) + 1;
        } catch (Exception e) {
            return DEFAULT_PORTS_PER_ADDRESS;
        }
    }

    /**
     * Deals {@code addresses} to {@code workers} so that each worker gets its own when there are
     * enough (else they are shared round-robin): worker {@code i} gets the addresses at positions
     * {@code i, i + workers, ...}, or the one at {@code i mod size}.
     */
    public static List<List<InetAddress>> deal(List<InetAddress> addresses, int workers) {
        List<List<InetAddress>> out = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            List<InetAddress> mine = new ArrayList<>();
            if (!addresses.isEmpty()) {
                if (addresses.size() >= workers) {
                    for (int i = w; i < addresses.size(); i += workers) {
                        mine.add(addresses.get(i));
                    }
                } else {
                    mine.add(addresses.get(w % addresses.size()));
                }
            }
            out.add(mine);
        }
        return out;
    }
}
