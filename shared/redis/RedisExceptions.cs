namespace Roomcast.Redis;

/// <summary>Base of every failure the Redis client reports itself (per-command timeouts are <see cref="TimeoutException"/>).</summary>
public abstract class RedisException(string message, Exception? innerException) : Exception(message, innerException);

/// <summary>Redis answered the command with an error reply (<c>-ERR …</c>, <c>-WRONGTYPE …</c>, …).</summary>
public sealed class RedisServerException(string message) : RedisException(message, null)
{
    /// <summary>The first word of the error reply, by Redis convention its code: <c>ERR</c>, <c>WRONGTYPE</c>, <c>NOSCRIPT</c>, …</summary>
    public string ErrorCode { get; } = message.Split(' ', 2)[0];
}

/// <summary>
/// The command could not be sent or its reply will never come: the client is not connected (it is
/// reconnecting, and says why it lost the connection), or the connection was lost or closed while
/// the command was in flight. Whether an in-flight command took effect on the server is unknown.
/// </summary>
public sealed class RedisConnectionException(string message, Exception? innerException = null)
    : RedisException(message, innerException);

/// <summary>The bytes received are not valid RESP2. The connection they came from is dropped.</summary>
public sealed class RedisProtocolException(string message) : RedisException(message, null);
