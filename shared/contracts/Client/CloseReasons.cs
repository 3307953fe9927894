namespace Roomcast.Contracts.Client;

/// <summary>
/// Why the gateway closed a connection, as the error of SignalR's close message. Each says what the
/// client should do; a client that may reconnect is told so by the close message itself.
/// </summary>
public static class CloseReasons
{
    /// <summary>The connection fell too far behind the events addressed to it: reconnect, then <c>Resume</c> from the last seq received.</summary>
    public const string SlowConnection = "slow-connection: fell too far behind; reconnect and Resume from the last seq received";

    /// <summary>
    /// The gateway instance lost touch with the others for a while (its Redis subscription dropped:
    /// a reconnect, a Redis restart or failover) and may have missed events, room moves and access
    /// changes meant for this connection: reconnect (the rooms are derived anew), then <c>Resume</c>
    /// from the last seq received. Sent to every connection of that instance, spread over a few seconds.
    /// </summary>
    public const string MissedEvents = "missed-events: the gateway may have missed events for this connection; reconnect and Resume from the last seq received";

    /// <summary>
    /// The gateway cannot reach Redis right now, where it reads the rooms a new connection joins: the
    /// connection is refused with this reason; connect again with backoff, then <c>Resume</c>.
    /// </summary>
    public const string GatewayUnavailable = "gateway-unavailable: the gateway cannot reach its shared state right now; connect again shortly, then Resume from the last seq received";

    /// <summary>
    /// Every session of this user ended (logout everywhere, password change, account disabled): sign in
    /// again; the old access and refresh tokens are no longer honoured.
    /// </summary>
    public const string SessionEnded = "session-ended: every session of this user ended; sign in again";

    /// <summary>
    /// The user's role changed so that this connection's rooms no longer follow from it: reconnect (the
    /// rooms are derived anew), then <c>Resume</c> from the last seq received.
    /// </summary>
    public const string AccessChanged = "access-changed: your role changed; reconnect and Resume from the last seq received";

    /// <summary>The access token this connection proved itself with has expired: refresh it, reconnect, then <c>Resume</c>.</summary>
    public const string TokenExpired = "token-expired: the access token expired; refresh it, reconnect and Resume from the last seq received";

    /// <summary>
    /// This gateway instance is shutting down (a rolling restart, a scale-in): reconnect — the load
    /// balancer sends the new connection to another instance — then <c>Resume</c> from the last seq
    /// received. Sent to every connection of that instance, spread over a few seconds; a connect to an
    /// instance that is shutting down is refused with it (HTTP 503).
    /// </summary>
    public const string ServerShuttingDown = "server-shutting-down: this gateway instance is shutting down; reconnect (to another instance) and Resume from the last seq received";
}
