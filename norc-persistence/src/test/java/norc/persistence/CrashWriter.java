package norc.persistence;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;

/**
 * Run in a child JVM by {@link CommitSurvivesKillTest}: commits one row at a time into the default
 * embedded database at {@code args[0]} and prints each row's number after its commit returned,
 * until it is killed.
 */
public final class CrashWriter {
    private CrashWriter() {}

    public static void main(String[] args) throws Exception {
        try (Connection c = DriverManager.getConnection(JournalDatabase.h2FileUrl(Path.of(args[0])), "sa", "")) {
            c.createStatement().execute("create table if not exists probe(n int primary key, payload varbinary(200))");
            PreparedStatement insert = c.prepareStatement("insert into probe values (?, ?)");
            for (int n = 0; ; n++) {
                insert.setInt(1, n);
                insert.setBytes(2, new byte[150]);
                insert.executeUpdate(); // auto-commit: returns after the commit
                System.out.println(n);
                System.out.flush();
            }
        }
    }
}
