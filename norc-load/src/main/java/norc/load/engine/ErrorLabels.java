package norc.load.engine;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import norc.error.NorcException;
import norc.load.net.ConnectFailure;

/**
 * The label under which a failure is counted: {@code "<code> <atom>"} for a NORC error
 * ({@code "1001 authentication_failed"}), the stage for a connection that never reached NORC
 * ({@code "tls_handshake_failed"}), {@code "timeout"}, else {@code "other <ExceptionType>"}.
 * Labels never carry exception messages, so nothing of a message or key can leak into a report.
 */
public final class ErrorLabels {
    private ErrorLabels() {}

    public static String of(Throwable error) {
        Throwable e = unwrap(error);
        if (e instanceof NorcException n) {
            return n.code().code() + " " + n.code().atom();
        }
        if (e instanceof ConnectFailure f) {
            return f.stage().label();
        }
        if (e instanceof AdminApi.AdminFailure a) {
            return "admin_http_" + a.status();
        }
        if (e instanceof java.net.ConnectException) {
            return "admin_connect_failed";
        }
        if (e instanceof TimeoutException || e instanceof java.net.http.HttpTimeoutException) {
            return "timeout";
        }
        return "other " + e.getClass().getSimpleName();
    }

    public static Throwable unwrap(Throwable error) {
        Throwable e = error;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }
}
