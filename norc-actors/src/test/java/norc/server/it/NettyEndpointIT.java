package norc.server.it;

/** The endpoint contract on the default transport: Netty, BoringSSL. */
class NettyEndpointIT extends EndpointContract {
    @Override
    String transport() {
        return "netty";
    }
}
