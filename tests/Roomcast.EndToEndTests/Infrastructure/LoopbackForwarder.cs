using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Roomcast.EndToEndTests.Infrastructure;

/// <summary>
/// A TCP forwarder on 127.0.0.1 in front of one server, so a test can cut a single process off from
/// it while the others keep it: <see cref="Sever"/> closes every forwarded connection and refuses new
/// ones (accepted and closed at once) until <see cref="Restore"/>. It stops itself after its lifetime
/// even if nobody disposes it.
/// </summary>
public sealed class LoopbackForwarder : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly string _targetHost;
    private readonly int _targetPort;
    private readonly CancellationTokenSource _lifetime;
    private readonly ConcurrentDictionary<TcpClient, TcpClient> _links = new();
    private readonly Task _accepting;
    private volatile bool _severed;

    private LoopbackForwarder(string target, TimeSpan lifetime)
    {
        var colon = target.LastIndexOf(':');
        _targetHost = target[..colon];
        _targetPort = int.Parse(target[(colon + 1)..]);
        _lifetime = new CancellationTokenSource(lifetime);
        _listener.Start();
        _lifetime.Token.Register(() =>
        {
            _listener.Stop();
            CloseAll();
        });
        _accepting = AcceptAsync(_lifetime.Token);
    }

    /// <summary>Where to connect instead of the server (<c>127.0.0.1:port</c>).</summary>
    public string Endpoint => $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>Forwards to <paramref name="target"/> (<c>host:port</c>) for at most <paramref name="lifetime"/>.</summary>
    public static LoopbackForwarder Start(string target, TimeSpan lifetime) => new(target, lifetime);

    /// <summary>Cuts the link: every forwarded connection is closed, and new ones are refused until <see cref="Restore"/>.</summary>
    public void Sever()
    {
        _severed = true;
        CloseAll();
    }

    public void Restore() => _severed = false;

    public async ValueTask DisposeAsync()
    {
        await _lifetime.CancelAsync();
        await _accepting;
        _lifetime.Dispose();
    }

    private async Task AcceptAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(stopping);
            }
            catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            if (_severed)
            {
                client.Dispose();
                continue;
            }
            _ = ForwardAsync(client, stopping);
        }
    }

    private async Task ForwardAsync(TcpClient client, CancellationToken stopping)
    {
        var server = new TcpClient();
        try
        {
            await server.ConnectAsync(_targetHost, _targetPort, stopping);
            _links[client] = server;
            if (_severed)
            {
                return;
            }
            var clientStream = client.GetStream();
            var serverStream = server.GetStream();
            await Task.WhenAny(clientStream.CopyToAsync(serverStream, stopping), serverStream.CopyToAsync(clientStream, stopping));
        }
        catch (Exception exception) when (exception is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            _links.TryRemove(client, out _);
            client.Dispose();
            server.Dispose();
        }
    }

    private void CloseAll()
    {
        foreach (var (client, server) in _links)
        {
            client.Dispose();
            server.Dispose();
        }
    }
}
