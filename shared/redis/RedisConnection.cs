using System.Collections.Frozen;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Roomcast.Redis.Connections;

namespace Roomcast.Redis;

/// <summary>
/// The command connection: one TCP connection to Redis, multiplexed and pipelined, safe to share by
/// every caller in the process. Commands from concurrent callers are written in batches without a
/// round trip each, and their replies matched in order. Each command fails after
/// <see cref="RedisOptions.CommandTimeout"/> with <see cref="TimeoutException"/>. A lost connection
/// fails every command in flight with <see cref="RedisConnectionException"/> and is re-established in
/// the background (<see cref="StateChanged"/> reports both); commands issued meanwhile fail at once.
/// Typed helpers for the commands Roomcast uses are in <see cref="RedisCommands"/>.
/// </summary>
public sealed class RedisConnection : IAsyncDisposable
{
    /// <summary>Commands that would change the state of the shared connection for everyone on it, or not survive a reconnect.</summary>
    private static readonly FrozenSet<string> ConnectionStateCommands = new[]
    {
        "SUBSCRIBE", "UNSUBSCRIBE", "PSUBSCRIBE", "PUNSUBSCRIBE", "SSUBSCRIBE", "SUNSUBSCRIBE", "MONITOR",
        "SELECT", "AUTH", "HELLO", "RESET", "QUIT", "MULTI", "EXEC", "DISCARD", "WATCH", "UNWATCH",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    private readonly ConnectionSupervisor _supervisor;

    private RedisConnection(RedisOptions options, ILogger logger) =>
        _supervisor = new ConnectionSupervisor(this, options, "command", logger);

    /// <summary>Reports every change of <see cref="State"/>; raised on a background thread.</summary>
    public event EventHandler<RedisConnectionStateChangedEventArgs>? StateChanged
    {
        add => _supervisor.StateChanged += value;
        remove => _supervisor.StateChanged -= value;
    }

    public RedisConnectionState State => _supervisor.State;

    /// <summary>
    /// Validates <paramref name="options"/> (a <see cref="System.ComponentModel.DataAnnotations.ValidationException"/>
    /// names every invalid setting), connects and authenticates. A first connection that fails throws
    /// <see cref="RedisConnectionException"/>; only later losses are retried in the background.
    /// </summary>
    public static async Task<RedisConnection> ConnectAsync(
        RedisOptions options, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.EnsureValid();
        var connection = new RedisConnection(options.Snapshot(), logger ?? NullLogger.Instance);
        await connection._supervisor.StartAsync(cancellationToken).ConfigureAwait(false);
        return connection;
    }

    /// <summary>
    /// Sends any command (<c>ExecuteAsync("HSET", key, field, value)</c>). An error reply throws
    /// <see cref="RedisServerException"/>. Subscriptions belong on <see cref="RedisSubscriber"/>;
    /// <c>AUTH</c> and <c>SELECT</c> are options; transactions and other commands that change the
    /// state of the shared connection are refused with <see cref="ArgumentException"/>. A blocking
    /// command (<c>BLPOP</c>, <c>XREAD BLOCK</c>) holds up every command behind it on the connection.
    /// </summary>
    public Task<RedisValue> ExecuteAsync(string command, params ReadOnlySpan<RedisArgument> arguments)
    {
        ArgumentException.ThrowIfNullOrEmpty(command);
        if (ConnectionStateCommands.Contains(command))
        {
            throw new ArgumentException(
                $"{command} would change the state of the shared connection; use RedisSubscriber for subscriptions and RedisOptions for AUTH and SELECT.",
                nameof(command));
        }
        return _supervisor.TryGetConnection(out var connection)
            ? connection.SendAsync(command, arguments)
            : Task.FromException<RedisValue>(_supervisor.NotConnected());
    }

    /// <summary>Closes the connection; commands still in flight fail with <see cref="RedisConnectionException"/>.</summary>
    public ValueTask DisposeAsync() => _supervisor.DisposeAsync();
}
