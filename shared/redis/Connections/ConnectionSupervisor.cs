using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Roomcast.Redis.Connections;

/// <summary>
/// Keeps one <see cref="RespConnection"/> alive for its owner: connects, and after a loss reconnects
/// with <see cref="ReconnectBackoff"/> until it succeeds or the owner is disposed. A new connection
/// is handed to <c>onConnected</c> (the subscriber restores its subscriptions there) before anyone
/// else can use it; while there is none, <see cref="TryGetConnection"/> says so at once.
/// </summary>
internal sealed class ConnectionSupervisor : IAsyncDisposable
{
    private readonly object _owner;
    private readonly RedisOptions _options;
    private readonly string _role;
    private readonly ILogger _logger;
    private readonly Func<RedisValue, bool>? _tryHandlePush;
    private readonly Func<RespConnection, CancellationToken, Task>? _onConnected;
    private readonly ReconnectBackoff _backoff;
    private readonly CancellationTokenSource _closing = new();
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile RespConnection? _current;
    private volatile Exception? _lastFailure;
    private volatile int _state = (int)RedisConnectionState.Disconnected;
    private Task _supervising = Task.CompletedTask;

    /// <param name="owner">The public object, passed as the sender of <see cref="StateChanged"/>.</param>
    /// <param name="role">Names the connection in logs: <c>command</c> or <c>subscriber</c>.</param>
    public ConnectionSupervisor(
        object owner,
        RedisOptions options,
        string role,
        ILogger logger,
        Func<RedisValue, bool>? tryHandlePush = null,
        Func<RespConnection, CancellationToken, Task>? onConnected = null)
    {
        _owner = owner;
        _options = options;
        _role = role;
        _logger = logger;
        _tryHandlePush = tryHandlePush;
        _onConnected = onConnected;
        _backoff = new ReconnectBackoff(options.ReconnectMinDelay, options.ReconnectMaxDelay, options.ReconnectJitter);
    }

    public event EventHandler<RedisConnectionStateChangedEventArgs>? StateChanged;

    public RedisConnectionState State => (RedisConnectionState)_state;

    /// <summary>The first connection: fails with <see cref="RedisConnectionException"/> rather than retrying.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        _current = connection;
        _state = (int)RedisConnectionState.Connected;
        _logger.Connected(_role, _options.Endpoint);
        _supervising = SuperviseAsync(connection);
    }

    public bool TryGetConnection(out RespConnection connection)
    {
        connection = _current!;
        return connection is { IsOpen: true };
    }

    /// <summary>What a command issued now fails with.</summary>
    public Exception NotConnected()
    {
        if (State == RedisConnectionState.Closed)
        {
            return new ObjectDisposedException(_owner.GetType().Name, $"The Redis {_role} connection to {_options.Endpoint} was closed.");
        }
        var reason = _current?.Failure ?? _lastFailure;
        return new RedisConnectionException(
            $"Not connected to Redis at {_options.Endpoint}; reconnecting. Last error: {reason?.Message ?? "none"}", reason);
    }

    public async ValueTask DisposeAsync()
    {
        if (_closing.IsCancellationRequested)
        {
            return;
        }
        _closing.Cancel();
        _closed.TrySetResult();
        await _supervising.ConfigureAwait(false); // disposes the current connection on its way out
        SetState(RedisConnectionState.Closed, null);
        _logger.Closed(_role, _options.Endpoint);
    }

    private async Task SuperviseAsync(RespConnection connection)
    {
        while (true)
        {
            await Task.WhenAny(connection.Completion, _closed.Task).ConfigureAwait(false);
            _current = null;
            await connection.DisposeAsync().ConfigureAwait(false);
            if (_closing.IsCancellationRequested)
            {
                return;
            }

            var reason = await connection.Completion.ConfigureAwait(false);
            _lastFailure = reason;
            _logger.ConnectionLost(_role, _options.Endpoint, reason.Message);
            SetState(RedisConnectionState.Disconnected, reason);

            var lostAt = Stopwatch.GetTimestamp();
            var (next, attempts) = await ReconnectAsync().ConfigureAwait(false);
            if (next is null)
            {
                return;
            }
            connection = next;
            _current = connection;
            _logger.Reconnected(_role, _options.Endpoint, attempts, (long)Stopwatch.GetElapsedTime(lostAt).TotalMilliseconds);
            SetState(RedisConnectionState.Connected, null);
        }
    }

    /// <returns>The new connection, or <c>null</c> when the owner was disposed first.</returns>
    private async Task<(RespConnection? Connection, int Attempts)> ReconnectAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            var delay = _backoff.DelayBefore(attempt);
            _logger.ReconnectAttempt(_role, _options.Endpoint, (long)delay.TotalMilliseconds, attempt);
            try
            {
                await Task.Delay(delay, _closing.Token).ConfigureAwait(false);
                return (await ConnectAsync(_closing.Token).ConfigureAwait(false), attempt);
            }
            catch (OperationCanceledException) when (_closing.IsCancellationRequested)
            {
                return (null, attempt);
            }
            catch (Exception exception)
            {
                _lastFailure = exception;
                _logger.ReconnectFailed(attempt, _role, _options.Endpoint, exception.Message);
            }
        }
    }

    private async Task<RespConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        var connection = await RespConnection.ConnectAsync(_options, _tryHandlePush, cancellationToken).ConfigureAwait(false);
        try
        {
            if (_onConnected is not null)
            {
                await _onConnected(connection, cancellationToken).ConfigureAwait(false);
            }
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private void SetState(RedisConnectionState state, Exception? failure)
    {
        _state = (int)state;
        if (StateChanged is not { } handlers)
        {
            return;
        }
        var change = new RedisConnectionStateChangedEventArgs(state, failure);
        foreach (var handler in handlers.GetInvocationList().Cast<EventHandler<RedisConnectionStateChangedEventArgs>>())
        {
            try
            {
                handler(_owner, change);
            }
            catch (Exception exception)
            {
                _logger.StateHandlerFailed(exception);
            }
        }
    }
}
