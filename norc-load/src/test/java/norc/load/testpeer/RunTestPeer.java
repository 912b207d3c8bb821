package norc.load.testpeer;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Runs the in-test NORC peer by hand, for trying the tool without the real server:
 * prints its endpoint, admin URL and certificate, and stops when standard input closes.
 */
public final class RunTestPeer {
    private RunTestPeer() {}

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("norc-test-peer");
        try (TestNorcPeer peer = new TestNorcPeer(dir)) {
            System.out.println("--server " + peer.endpoint() + " --admin " + peer.adminUrl() + " --trust-cert "
                    + peer.certificatePem());
            System.out.println("pid " + ProcessHandle.current().pid());
            while (System.in.read() >= 0) {
                // until EOF
            }
        }
    }
}
