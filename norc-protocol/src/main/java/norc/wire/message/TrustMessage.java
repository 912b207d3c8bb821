package norc.wire.message;

/** NORC-T: trust establishment and revocation (spec §5). */
public sealed interface TrustMessage extends NorcMessage permits TrustCapability, TrustRequest, TrustChallenge,
        TrustResponse, TrustRevoke {}
