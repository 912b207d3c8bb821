package norc.server.federation;

import org.apache.pekko.actor.typed.ActorRef;

/**
 * What the rest of a node needs of federation: its shared parts and this node's
 * {@link FederationManager}. Null where federation is switched off ({@code norc.federation.enabled = off}).
 */
public record Federation(FederationContext context, ActorRef<FederationManager.Command> manager, RemoteDevices remoteDevices,
                         ActorRef<TrustManager.Command> trust) {}
