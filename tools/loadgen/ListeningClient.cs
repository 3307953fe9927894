using System.Buffers;
using System.Net.WebSockets;
using System.Text;

namespace Roomcast.LoadGen;

/// <summary>
/// A SignalR client that only listens: it speaks the JSON hub protocol over a plain WebSocket (connect
/// with the user's token, handshake, keep-alive pings) and hands every record the gateway sends to
/// <c>onRecord</c> with the moment it was read. The generator's connections use it instead of
/// <c>HubConnection</c>, which cost about 38 µs of CPU per message here — on two cores shared with the
/// services, more than the gateways' own cost per delivery.
/// </summary>
public sealed class ListeningClient : IAsyncDisposable
{
    private const byte RecordSeparator = 0x1e;
    private static readonly byte[] Handshake = Encoding.UTF8.GetBytes("{\"protocol\":\"json\",\"version\":1}\u001e");
    private static readonly byte[] PingRecord = Encoding.UTF8.GetBytes("{\"type\":6}\u001e");

    private readonly ClientWebSocket _socket;
    private readonly CancellationTokenSource _stopping = new();
    private Task _listening = Task.CompletedTask;

    private ListeningClient(ClientWebSocket socket) => _socket = socket;

    /// <summary>Why listening ended early (the gateway closed the connection or sent an error), or <c>null</c> while it goes on.</summary>
    public string? Ended { get; private set; }

    /// <summary>Connects to the hub at <paramref name="hubUrl"/> (http or https) without negotiating, as SignalR's own clients may over WebSockets.</summary>
    public static async Task<ListeningClient> ConnectAsync(Uri hubUrl, string accessToken, RecordHandler onRecord, CancellationToken cancellationToken)
    {
        var address = new UriBuilder(hubUrl)
        {
            Scheme = hubUrl.Scheme == Uri.UriSchemeHttps ? "wss" : "ws",
            Query = "access_token=" + Uri.EscapeDataString(accessToken),
        }.Uri;
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = TimeSpan.Zero; // SignalR's own pings keep it alive
        var client = new ListeningClient(socket);
        try
        {
            await socket.ConnectAsync(address, cancellationToken);
            await socket.SendAsync(Handshake, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
            client._listening = client.ListenAsync(onRecord);
            return client;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>A record of the hub protocol, without its separator, and the <see cref="System.Diagnostics.Stopwatch"/> timestamp it was read at.</summary>
    public delegate void RecordHandler(ReadOnlySpan<byte> record, long receivedAt);

    /// <summary>
    /// Sends a ping, as a SignalR client must at least every server <c>ClientTimeoutInterval</c> (30 s by
    /// default). The only send after the handshake, from one loop: never two at once on the socket.
    /// </summary>
    public async Task PingAsync(CancellationToken cancellationToken)
    {
        if (_socket.State != WebSocketState.Open)
        {
            return;
        }
        try
        {
            await _socket.SendAsync(PingRecord, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        }
        catch (WebSocketException exception)
        {
            // The connection is gone: reported with the run (EndedEarly), the other connections are still pinged.
            Ended ??= "a ping failed: " + exception.Message;
        }
    }

    private async Task ListenAsync(RecordHandler onRecord)
    {
        // Records may span reads and a read may hold several: keep what follows the last separator.
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        var filled = 0;
        var handshaken = false;
        try
        {
            while (true)
            {
                if (filled == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, filled).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
                var read = await _socket.ReceiveAsync(buffer.AsMemory(filled), _stopping.Token);
                var receivedAt = System.Diagnostics.Stopwatch.GetTimestamp();
                if (read.MessageType == WebSocketMessageType.Close)
                {
                    Ended ??= $"the gateway closed the connection ({_socket.CloseStatus} {_socket.CloseStatusDescription})";
                    return;
                }
                filled += read.Count;
                var start = 0;
                int separator;
                while ((separator = buffer.AsSpan(start, filled - start).IndexOf(RecordSeparator)) >= 0)
                {
                    var record = buffer.AsSpan(start, separator);
                    if (!handshaken)
                    {
                        handshaken = true;
                        if (record.IndexOf("\"error\""u8) >= 0)
                        {
                            Ended = "the gateway refused the handshake: " + Encoding.UTF8.GetString(record);
                            return;
                        }
                    }
                    else
                    {
                        onRecord(record, receivedAt);
                    }
                    start += separator + 1;
                }
                buffer.AsSpan(start, filled - start).CopyTo(buffer);
                filled -= start;
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (WebSocketException exception)
        {
            Ended ??= "the connection failed: " + exception.Message;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
            }
            catch (Exception exception) when (exception is WebSocketException or OperationCanceledException)
            {
                // The run is over; a connection that cannot close politely is dropped below.
            }
        }
        await _stopping.CancelAsync();
        await _listening;
        _socket.Dispose();
        _stopping.Dispose();
    }
}
