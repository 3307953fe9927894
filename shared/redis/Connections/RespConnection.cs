using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Threading.Channels;
using Roomcast.Redis.Protocol;

namespace Roomcast.Redis.Connections;

/// <summary>
/// One TCP connection to Redis, shared by every caller. Callers encode their commands and queue them;
/// one write loop copies whatever is queued into the pipe and flushes once per batch (pipelining: no
/// round trip per command); one read loop parses the replies and completes the commands in the
/// order they were written. Frames the push handler claims (pub/sub messages on a subscriber
/// connection) are not replies. The first failure (I/O error, end of stream, malformed data,
/// Dispose) ends the connection for good: every command still queued or in flight fails with
/// <see cref="RedisConnectionException"/>, and so does every command issued afterwards.
/// </summary>
internal sealed class RespConnection : IAsyncDisposable
{
    /// <summary>A batch larger than this is flushed in parts, so the socket starts sending early.</summary>
    private const int FlushThreshold = 64 * 1024;

    private readonly Socket _socket;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly Channel<PendingCommand> _queued =
        Channel.CreateUnbounded<PendingCommand>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentQueue<PendingCommand> _inFlight = new();
    private readonly CommandDeadlines _deadlines;
    private readonly Func<RedisValue, bool>? _tryHandlePush;
    private RedisConnectionException? _failure;
    private Task<RedisConnectionException> _completion = null!;

    private RespConnection(Socket socket, RedisOptions options, Func<RedisValue, bool>? tryHandlePush)
    {
        Endpoint = options.Endpoint;
        _socket = socket;
        var stream = new NetworkStream(socket, ownsSocket: true);
        _input = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 16 * 1024));
        _output = PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: 16 * 1024));
        _deadlines = new CommandDeadlines(options.CommandTimeout, options.Endpoint);
        _tryHandlePush = tryHandlePush;
    }

    public string Endpoint { get; }

    public bool IsOpen => Failure is null;

    /// <summary>Why the connection ended, as soon as it has; <c>null</c> while it is open.</summary>
    public RedisConnectionException? Failure => Volatile.Read(ref _failure);

    /// <summary>Why the connection ended, once it has and every command it held has been failed.</summary>
    public Task<RedisConnectionException> Completion => _completion;

    /// <summary>
    /// Connects and runs the handshake (<c>AUTH</c>, <c>SELECT</c>, <c>CLIENT SETNAME</c> as configured)
    /// within <see cref="RedisOptions.ConnectTimeout"/>; any failure is a <see cref="RedisConnectionException"/>.
    /// </summary>
    public static async Task<RespConnection> ConnectAsync(
        RedisOptions options, Func<RedisValue, bool>? tryHandlePush, CancellationToken cancellationToken)
    {
        var (host, port) = options.ParseEndpoint();
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(options.ConnectTimeout);

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(host, port, attempt.Token).ConfigureAwait(false);
            EnableKeepAlive(socket);
        }
        catch (Exception exception)
        {
            socket.Dispose();
            cancellationToken.ThrowIfCancellationRequested();
            throw exception is OperationCanceledException
                ? new RedisConnectionException(
                    $"Could not connect to Redis at {options.Endpoint} within {options.ConnectTimeout.TotalMilliseconds} ms.")
                : new RedisConnectionException($"Could not connect to Redis at {options.Endpoint}: {exception.Message}", exception);
        }

        var connection = new RespConnection(socket, options, tryHandlePush);
        connection._completion = connection.RunAsync();
        try
        {
            await connection.HandshakeAsync(options).WaitAsync(attempt.Token).ConfigureAwait(false);
            return connection;
        }
        catch (Exception exception)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            throw exception switch
            {
                OperationCanceledException => new RedisConnectionException(
                    $"Redis at {options.Endpoint} did not complete the handshake within {options.ConnectTimeout.TotalMilliseconds} ms."),
                RedisServerException => new RedisConnectionException(
                    $"Redis at {options.Endpoint} refused the handshake: {exception.Message}", exception),
                _ => new RedisConnectionException(
                    $"The handshake with Redis at {options.Endpoint} failed: {exception.Message}", exception),
            };
        }
    }

    /// <summary>Queues a command; the task completes with its reply, or fails (server error, timeout, connection lost).</summary>
    public Task<RedisValue> SendAsync(string command, ReadOnlySpan<RedisArgument> arguments)
    {
        var pending = new PendingCommand(command, RespWriter.WriteCommand(command, arguments), _deadlines.NextDeadline());
        if (!_queued.Writer.TryWrite(pending))
        {
            return Task.FromException<RedisValue>(Lost(_failure!));
        }
        _deadlines.Track(pending);
        return pending.Task;
    }

    public async ValueTask DisposeAsync()
    {
        Fail(new RedisConnectionException($"The connection to Redis at {Endpoint} was closed."));
        await _completion.ConfigureAwait(false);
    }

    private Task HandshakeAsync(RedisOptions options)
    {
        var replies = new List<Task>(3);
        if (!string.IsNullOrEmpty(options.Password))
        {
            replies.Add(string.IsNullOrEmpty(options.User)
                ? SendAsync("AUTH", [options.Password])
                : SendAsync("AUTH", [options.User, options.Password]));
        }
        if (options.Database != 0)
        {
            replies.Add(SendAsync("SELECT", [options.Database]));
        }
        if (!string.IsNullOrEmpty(options.ClientName))
        {
            replies.Add(SendAsync("CLIENT", ["SETNAME", options.ClientName]));
        }
        return Task.WhenAll(replies);
    }

    private async Task<RedisConnectionException> RunAsync()
    {
        await Task.WhenAll(ReadLoopAsync(), WriteLoopAsync()).ConfigureAwait(false);
        await _deadlines.DisposeAsync().ConfigureAwait(false);

        // Both loops have ended (each only after Fail), so nothing else touches the queues now.
        var failure = _failure!;
        while (_queued.Reader.TryRead(out var pending))
        {
            pending.TrySetException(Lost(failure));
        }
        while (_inFlight.TryDequeue(out var pending))
        {
            pending.TrySetException(Lost(failure));
        }
        await CompleteQuietlyAsync(_input.CompleteAsync()).ConfigureAwait(false);
        await CompleteQuietlyAsync(_output.CompleteAsync()).ConfigureAwait(false);
        return failure;
    }

    private async Task WriteLoopAsync()
    {
        try
        {
            var queued = _queued.Reader;
            while (await queued.WaitToReadAsync().ConfigureAwait(false))
            {
                while (queued.TryRead(out var pending))
                {
                    if (pending.Task.IsCompleted)
                    {
                        continue; // timed out while queued: never sent, so no reply to wait for
                    }
                    _inFlight.Enqueue(pending);
                    _output.Write(pending.TakePayload());
                    if (_output.UnflushedBytes >= FlushThreshold)
                    {
                        await _output.FlushAsync().ConfigureAwait(false);
                    }
                }
                await _output.FlushAsync().ConfigureAwait(false);
            }
        }
        catch (Exception exception)
        {
            Fail(exception);
        }
    }

    private async Task ReadLoopAsync()
    {
        try
        {
            while (true)
            {
                var result = await _input.ReadAsync().ConfigureAwait(false);
                if (result.IsCanceled)
                {
                    return; // Fail cancelled the read: the failure is recorded already
                }
                var buffer = result.Buffer;
                var consumed = DispatchFrames(buffer);
                if (result.IsCompleted)
                {
                    Fail(new RedisConnectionException(buffer.Slice(consumed).IsEmpty
                        ? $"Redis at {Endpoint} closed the connection."
                        : $"Redis at {Endpoint} closed the connection in the middle of a reply."));
                    return;
                }
                _input.AdvanceTo(consumed, buffer.End);
            }
        }
        catch (Exception exception)
        {
            Fail(exception);
        }
    }

    private SequencePosition DispatchFrames(ReadOnlySequence<byte> buffer)
    {
        var reader = new SequenceReader<byte>(buffer);
        while (RespParser.TryRead(ref reader, out var frame))
        {
            if (_tryHandlePush?.Invoke(frame) == true)
            {
                continue;
            }
            if (!_inFlight.TryDequeue(out var pending))
            {
                throw new RedisProtocolException("Redis sent a reply that no command was waiting for.");
            }
            pending.Complete(frame);
        }
        return reader.Position;
    }

    private void Fail(Exception cause)
    {
        var failure = cause as RedisConnectionException
            ?? new RedisConnectionException($"Lost the connection to Redis at {Endpoint}: {cause.Message}", cause);
        if (Interlocked.CompareExchange(ref _failure, failure, null) is not null)
        {
            return;
        }
        _queued.Writer.TryComplete();
        _input.CancelPendingRead();
        _socket.Dispose(); // aborts a read or flush in progress
    }

    /// <summary>One exception per command: an exception object must not be thrown on several threads at once.</summary>
    private static RedisConnectionException Lost(RedisConnectionException failure) => new(failure.Message, failure.InnerException);

    private static async Task CompleteQuietlyAsync(ValueTask completion)
    {
        try
        {
            await completion.ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or ObjectDisposedException or SocketException)
        {
            // The socket is gone; there is nothing left to flush to or read from.
        }
    }

    /// <summary>A peer that vanished without closing (power loss, partition) is noticed within about 30 s.</summary>
    private static void EnableKeepAlive(Socket socket)
    {
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, 15);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, 5);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, 3);
    }
}
