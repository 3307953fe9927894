using System.Buffers;
using System.IO.Pipelines;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;

namespace Roomcast.Bench.SignalR;

/// <summary>
/// A connected SignalR WebSocket exposed as a <see cref="ConnectionContext"/>: two pumps move bytes
/// between the socket and a pair of pipes that <c>HubConnection</c> reads and writes.
/// </summary>
/// <remarks>
/// Frame boundaries are not preserved: SignalR's JSON protocol ends each message with 0x1E, so the
/// hub protocol re-splits the byte stream itself.
/// </remarks>
internal sealed class WebSocketConnectionContext : ConnectionContext
{
    /// <summary>How long <see cref="DisposeAsync"/> waits for the close handshake before aborting.</summary>
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);

    private const int ReceiveBufferSize = 4096;

    // HubConnection must not resume on the caller's SynchronizationContext (xunit installs one).
    private static readonly PipeOptions Options = new(useSynchronizationContext: false);

    private readonly ClientWebSocket _socket;
    private readonly Pipe _input = new(Options);   // socket → HubConnection
    private readonly Pipe _output = new(Options);  // HubConnection → socket
    private readonly object _lock = new();
    private Task _pumps = Task.CompletedTask;
    private Task? _disposeTask;
    private volatile bool _disposing;
    private volatile ConnectionAbortedException? _abortReason;

    public WebSocketConnectionContext(string connectionId, ClientWebSocket socket)
    {
        ConnectionId = connectionId;
        _socket = socket;
        Transport = new DuplexPipe(_input.Reader, _output.Writer);
    }

    public override string ConnectionId { get; set; }

    public override IFeatureCollection Features { get; } = new FeatureCollection();

    public override IDictionary<object, object?> Items { get; set; } = new Dictionary<object, object?>();

    public override IDuplexPipe Transport { get; set; }

    /// <summary>Starts the pumps; called once by the factory after the socket is connected.</summary>
    public void Start() => _pumps = Task.WhenAll(ReceiveLoopAsync(), SendLoopAsync());

    public override void Abort(ConnectionAbortedException abortReason)
    {
        _abortReason ??= abortReason;
        _socket.Abort(); // faults any pending receive/send; the pumps turn that into pipe completion
    }

    /// <summary>
    /// Flushes what HubConnection already wrote, closes the socket gracefully (aborting it after
    /// <see cref="CloseTimeout"/>) and waits for both pumps. Idempotent and never throws.
    /// </summary>
    public override ValueTask DisposeAsync()
    {
        lock (_lock)
        {
            _disposeTask ??= DisposeCoreAsync();
            return new ValueTask(_disposeTask);
        }
    }

    private async Task DisposeCoreAsync()
    {
        _disposing = true;

        // Completing the application's ends (as the real WebSockets transport does) lets the send pump
        // drain, then send a Close frame; the receive pump then reads until the server's Close arrives.
        await _output.Writer.CompleteAsync().ConfigureAwait(false);
        await _input.Reader.CompleteAsync().ConfigureAwait(false);

        try
        {
            await _pumps.WaitAsync(CloseTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _socket.Abort();
            await _pumps.ConfigureAwait(false); // the pumps never fault; abort ends them promptly
        }

        _socket.Dispose();
    }

    private async Task ReceiveLoopAsync()
    {
        PipeWriter writer = _input.Writer;
        byte[]? discard = null; // used once HubConnection stopped reading, to drain up to the Close frame
        Exception? error = null;
        try
        {
            while (true)
            {
                Memory<byte> buffer = discard ?? writer.GetMemory(ReceiveBufferSize);
                ValueWebSocketReceiveResult result = await _socket.ReceiveAsync(buffer, CancellationToken.None).ConfigureAwait(false);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    if (_socket.CloseStatus is not (WebSocketCloseStatus.NormalClosure or WebSocketCloseStatus.Empty) && !_disposing)
                    {
                        error = new WebSocketException(
                            $"The server closed the WebSocket with {_socket.CloseStatus}: {_socket.CloseStatusDescription}");
                    }

                    break;
                }

                if (discard is null)
                {
                    writer.Advance(result.Count);
                    FlushResult flush = await writer.FlushAsync().ConfigureAwait(false);
                    if (flush.IsCompleted)
                    {
                        discard = new byte[ReceiveBufferSize];
                    }
                }
            }
        }
        catch (Exception ex)
        {
            // Receive faults when the connection drops or is aborted; after DisposeAsync started that is expected.
            error = _disposing ? null : _abortReason ?? ex;
        }
        finally
        {
            // Ends HubConnection's read loop (with the error, if any), which is how it learns the connection closed.
            await writer.CompleteAsync(error).ConfigureAwait(false);
        }
    }

    private async Task SendLoopAsync()
    {
        PipeReader reader = _output.Reader;
        Exception? error = null;
        try
        {
            while (true)
            {
                ReadResult result = await reader.ReadAsync().ConfigureAwait(false);
                ReadOnlySequence<byte> buffer = result.Buffer;
                try
                {
                    if (!buffer.IsEmpty)
                    {
                        await SendAsync(buffer).ConfigureAwait(false);
                    }

                    if (result.IsCompleted || result.IsCanceled)
                    {
                        break;
                    }
                }
                finally
                {
                    reader.AdvanceTo(buffer.End);
                }
            }
        }
        catch (Exception ex)
        {
            error = ex;
        }
        finally
        {
            await reader.CompleteAsync(error).ConfigureAwait(false);
        }

        // Nothing more will be sent: start the close handshake. The socket may already be closed or
        // aborted by the server, so failure here is expected and harmless.
        if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            try
            {
                WebSocketCloseStatus status = error is null ? WebSocketCloseStatus.NormalClosure : WebSocketCloseStatus.InternalServerError;
                await _socket.CloseOutputAsync(status, null, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException or IOException)
            {
            }
        }
    }

    private async ValueTask SendAsync(ReadOnlySequence<byte> buffer)
    {
        if (buffer.IsSingleSegment)
        {
            await _socket.SendAsync(buffer.First, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None).ConfigureAwait(false);
            return;
        }

        // One WebSocket message in several frames; a UTF-8 sequence may straddle frames, which is legal.
        SequencePosition position = buffer.Start;
        ReadOnlyMemory<byte> segment = default;
        bool first = true;
        while (buffer.TryGet(ref position, out ReadOnlyMemory<byte> next))
        {
            if (!first)
            {
                await _socket.SendAsync(segment, WebSocketMessageType.Text, endOfMessage: false, CancellationToken.None).ConfigureAwait(false);
            }

            segment = next;
            first = false;
        }

        await _socket.SendAsync(segment, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None).ConfigureAwait(false);
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
