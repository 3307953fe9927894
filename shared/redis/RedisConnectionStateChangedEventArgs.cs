namespace Roomcast.Redis;

/// <summary>Raised on every change of state, so a caller can count connection failures and reconnects.</summary>
public sealed class RedisConnectionStateChangedEventArgs(RedisConnectionState state, Exception? failure) : EventArgs
{
    public RedisConnectionState State { get; } = state;

    /// <summary>Why the connection was lost, for <see cref="RedisConnectionState.Disconnected"/>; otherwise <c>null</c>.</summary>
    public Exception? Failure { get; } = failure;
}
