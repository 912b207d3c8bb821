package norc.server;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;

/**
 * How the server's configuration is layered, highest first: system properties and
 * {@code CONFIG_FORCE_*} variables, the given overrides (tests), {@code application.conf},
 * {@code norc-server.conf} (the server's Pekko settings), then every {@code reference.conf}
 * (including the {@code norc} section with its {@code NORC_*} variables).
 */
public final class NorcConfig {
    private NorcConfig() {}

    public static Config load(Config overrides) {
        return ConfigFactory.load(overrides
                .withFallback(ConfigFactory.defaultApplication())
                .withFallback(ConfigFactory.parseResources("norc-server.conf")));
    }
}
