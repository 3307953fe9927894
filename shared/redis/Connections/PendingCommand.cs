namespace Roomcast.Redis.Connections;

/// <summary>
/// A command from the moment it is issued until its reply, failure or timeout completes it, whichever
/// comes first (later outcomes are ignored). Continuations run asynchronously, never on the
/// connection's read loop, so a slow or blocking caller cannot stall the replies of everyone else.
/// </summary>
internal sealed class PendingCommand(string name, byte[] payload, long deadline)
    : TaskCompletionSource<RedisValue>(TaskCreationOptions.RunContinuationsAsynchronously)
{
    private byte[]? _payload = payload;

    /// <summary>The command's name (never its arguments, which may hold data), for error messages.</summary>
    public string Name { get; } = name;

    /// <summary>In <see cref="Environment.TickCount64"/> milliseconds.</summary>
    public long Deadline { get; } = deadline;

    /// <summary>The encoded command, handed out once: the writer does not keep it alive afterwards.</summary>
    public byte[] TakePayload() => Interlocked.Exchange(ref _payload, null)
        ?? throw new InvalidOperationException($"Command {Name} was written twice.");

    public void Complete(RedisValue reply)
    {
        if (reply.Kind == RedisValueKind.Error)
        {
            TrySetException(new RedisServerException(reply.AsString()!));
        }
        else
        {
            TrySetResult(reply);
        }
    }
}
