package norc.server.it;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;
import org.slf4j.LoggerFactory;

/**
 * Starts SLF4J and logback on the launcher's thread before any test class loads. Otherwise the
 * first test class to start an actor system races logback's initialisation from Pekko's threads,
 * SLF4J hands those threads its temporary MDC adapter ("Temporary mdcAdapter given by
 * SubstituteServiceProvider") and keeps it: every line of the JVM then loses its MDC, the actor
 * path ({@code pekkoSource}) included, and {@link LogPrivacyIT} would scan less than Pekko prints.
 */
public final class LoggingFirst implements LauncherSessionListener {
    @Override
    public void launcherSessionOpened(LauncherSession session) {
        LoggerFactory.getILoggerFactory();
    }
}
