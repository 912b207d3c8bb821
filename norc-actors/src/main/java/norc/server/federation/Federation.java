package norc.server.federation;

import org.apache.pekko.actor.typed.ActorRef;

/**
 * What the rest of a node needs of federation: its shared parts (the links to peers are sharded:
 * {@link norc.server.federation.api.LinkCommand#to}). Null where federation is switched off
 * ({@code norc.federation.enabled = off}).
 */
public record Federation(FederationContext context, RemoteDevices remoteDevices, ActorRef<TrustManager.Command> trust) {}
