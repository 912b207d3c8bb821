package norc.server.it;

import java.nio.file.Path;
import java.sql.SQLException;
import org.h2.tools.Server;

/**
 * An H2 journal database served over TCP on loopback, so that a test can take it away from a
 * running node ({@link #stop}) and bring it back on the same port ({@link #restart}) with its data.
 */
final class TcpDatabase implements AutoCloseable {
    private final Path baseDir;
    private final int port;
    private Server server;

    private TcpDatabase(Path baseDir, Server server) {
        this.baseDir = baseDir;
        this.server = server;
        this.port = server.getPort();
    }

    static TcpDatabase start(Path baseDir) throws SQLException {
        return new TcpDatabase(baseDir, Server.createTcpServer("-tcpPort", "0", "-ifNotExists", "-baseDir", baseDir.toString()).start());
    }

    /** HOCON for {@link TestServer#start}: the node's journal is this database. */
    String config() {
        return "norc.db.url = \"jdbc:h2:tcp://127.0.0.1:" + port + "/norc;DATABASE_TO_UPPER=false;WRITE_DELAY=0\"";
    }

    void stop() {
        server.stop();
    }

    void restart() throws SQLException {
        server = Server.createTcpServer("-tcpPort", Integer.toString(port), "-ifNotExists", "-baseDir", baseDir.toString()).start();
    }

    @Override
    public void close() {
        server.stop();
    }
}
