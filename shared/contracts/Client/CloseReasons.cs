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
}
