package norc.server.netty;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLException;
import norc.server.ServerSettings;

/**
 * The Netty endpoint's TLS 1.3 context (profile §2: TLS 1.3 only). BoringSSL, which
 * {@code netty-tcnative-boringssl-static} ships inside its jar, when {@code tls-provider = openssl}
 * and it loads on this platform; otherwise the JDK's engine. Both present the same key and
 * certificate ({@link norc.server.tls.TlsMaterial}).
 */
public final class NettyTls {
    private NettyTls() {}

    public static SslContext serverContext(KeyManagerFactory keys, ServerSettings.Transport transport) {
        SslProvider provider = transport.tlsProvider() == ServerSettings.Transport.TlsProvider.OPENSSL && OpenSsl.isAvailable()
                ? SslProvider.OPENSSL : SslProvider.JDK;
        try {
            return SslContextBuilder.forServer(keys).sslProvider(provider).protocols("TLSv1.3").build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot build the TLS 1.3 context (" + provider + "): " + e.getMessage(), e);
        }
    }
}
