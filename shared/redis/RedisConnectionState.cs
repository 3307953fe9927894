namespace Roomcast.Redis;

public enum RedisConnectionState
{
    /// <summary>Commands are sent to Redis.</summary>
    Connected,

    /// <summary>The connection was lost; the client reconnects on its own and fails new commands at once meanwhile.</summary>
    Disconnected,

    /// <summary>Disposed; nothing more happens.</summary>
    Closed,
}
