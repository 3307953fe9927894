namespace Roomcast.RealtimeGateway;

/// <summary>The gateway's log event ids, one table so no two events share an id; a range per feature.</summary>
internal static class GatewayLogEvents
{
    // Event broker: 620–639.
    public const int AnnouncementHandlerFailed = 620;

    // Connections: 700–719.
    public const int SlowConnectionClosing = 700;
    public const int ConnectionWriteFailed = 701;
    public const int HubSendsUnavailable = 702;
    public const int HubLifetimeUndoFailed = 703;

    // Hub: 800–819.
    public const int TooManyConnections = 800;

    // Backplane gap: 900–919.
    public const int BackplaneGap = 900;
}
