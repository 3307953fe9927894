using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;

namespace Roomcast.EndToEndTests.Infrastructure;

/// <summary>
/// A SignalR connection that completes the JSON handshake and then never reads what the gateway sends
/// (a stuck tab, a client on a dead link): its socket's receive buffer is kept small, so the gateway's
/// writes to it back up after a few megabytes. It keeps pinging, so the server never times it out.
/// </summary>
public sealed class NeverReadingClient : IAsyncDisposable
{
    private static readonly byte[] Handshake = Encoding.UTF8.GetBytes("{\"protocol\":\"json\",\"version\":1}\u001e");
    private static readonly byte[] Ping = Encoding.UTF8.GetBytes("{\"type\":6}\u001e");

    private readonly ClientWebSocket _socket;
    private readonly HttpMessageInvoker _invoker;
    private readonly CancellationTokenSource _stopping = new();
    private Task _pinging = Task.CompletedTask;

    private NeverReadingClient(ClientWebSocket socket, HttpMessageInvoker invoker)
    {
        _socket = socket;
        _invoker = invoker;
    }

    public static async Task<NeverReadingClient> ConnectAsync(Uri hubUrl, string accessToken)
    {
        var address = new UriBuilder(hubUrl) { Scheme = "ws", Query = "access_token=" + Uri.EscapeDataString(accessToken) }.Uri;
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096, NoDelay = true };
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, context.DnsEndPoint.Port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        var invoker = new HttpMessageInvoker(handler);
        var webSocket = new ClientWebSocket();
        webSocket.Options.KeepAliveInterval = TimeSpan.Zero;
        var client = new NeverReadingClient(webSocket, invoker);
        await webSocket.ConnectAsync(address, invoker, CancellationToken.None);
        await webSocket.SendAsync(Handshake, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        client._pinging = client.PingAsync();
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _pinging;
        _socket.Abort();
        _socket.Dispose();
        _invoker.Dispose();
        _stopping.Dispose();
    }

    private async Task PingAsync()
    {
        try
        {
            while (!_stopping.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(5), _stopping.Token);
                await _socket.SendAsync(Ping, WebSocketMessageType.Text, endOfMessage: true, _stopping.Token);
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            // Stopped by the test, or the gateway closed the connection: nothing left to keep alive.
        }
    }
}
