package norc.load.cli;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import norc.load.run.WorkerSpec;

/**
 * The servers a run targets, read from {@code --server}, {@code --admin}, {@code --trust-cert} and
 * {@code --federated}.
 *
 * <p>Without {@code --federated} the endpoints are one server, or nodes of one cluster: one admin
 * API and one certificate serve all of them, and each of those options may be given once. With
 * {@code --federated} each {@code --server} is its own server (own domain, admin API and
 * certificate): {@code --admin} is given once per {@code --server} (or not at all with open
 * registration, which needs none) and {@code --trust-cert} once for all or once per
 * {@code --server}, matched by position.
 *
 * @param endpoints every endpoint, in the order given
 * @param admin the one admin API ({@code null} when federated)
 * @param trustCert the one certificate to trust ({@code null}: none given, or federated)
 * @param homeServers when federated, one per endpoint with its admin API and certificate (domains
 *     not known yet); empty otherwise
 */
record ServerTargets(List<URI> endpoints, URI admin, Path trustCert, List<WorkerSpec.HomeServer> homeServers) {
    static final URI DEFAULT_SERVER = URI.create(RunCommand.DEFAULT_SERVER);
    static final URI DEFAULT_ADMIN = URI.create(RunCommand.DEFAULT_ADMIN);

    ServerTargets {
        endpoints = List.copyOf(endpoints);
        homeServers = List.copyOf(homeServers);
    }

    boolean federated() {
        return !homeServers.isEmpty();
    }

    /**
     * Matches the options; throws {@link IllegalArgumentException} with a message for the person
     * at the command line when their counts do not fit.
     *
     * @param openRegistration {@code --registration open}: no admin API is used
     */
    static ServerTargets resolve(List<URI> servers, List<URI> admins, List<Path> trustCerts, boolean federated,
                                 boolean openRegistration) {
        if (!federated) {
            if (admins.size() > 1) {
                throw new IllegalArgumentException("--admin is given once, unless --federated (then once per --server)");
            }
            if (trustCerts.size() > 1) {
                throw new IllegalArgumentException("--trust-cert is given once, unless --federated "
                        + "(then once for all or once per --server)");
            }
            return new ServerTargets(servers.isEmpty() ? List.of(DEFAULT_SERVER) : servers,
                    admins.isEmpty() ? DEFAULT_ADMIN : admins.get(0), trustCerts.isEmpty() ? null : trustCerts.get(0),
                    List.of());
        }
        int n = servers.size();
        if (n < 2) {
            throw new IllegalArgumentException("--federated needs one --server per federated server, at least two");
        }
        if (new HashSet<>(servers).size() < n) {
            throw new IllegalArgumentException("--federated: each --server is a different server; one is given twice");
        }
        boolean adminsFit = admins.size() == n || (openRegistration && admins.isEmpty());
        if (!adminsFit) {
            throw new IllegalArgumentException("--federated with " + n + " --server needs " + n
                    + " --admin, one per server in the same order (got " + admins.size() + ")");
        }
        if (trustCerts.size() > 1 && trustCerts.size() != n) {
            throw new IllegalArgumentException("--federated with " + n + " --server takes one --trust-cert for all or "
                    + n + ", one per server in the same order (got " + trustCerts.size() + ")");
        }
        List<WorkerSpec.HomeServer> homes = new ArrayList<>(n);
        for (int s = 0; s < n; s++) {
            Path cert = trustCerts.isEmpty() ? null : trustCerts.get(trustCerts.size() == 1 ? 0 : s);
            homes.add(new WorkerSpec.HomeServer(servers.get(s).toString(),
                    admins.isEmpty() ? null : admins.get(s).toString(),
                    cert == null ? null : cert.toAbsolutePath().toString(), null));
        }
        return new ServerTargets(servers, null, null, homes);
    }
}
