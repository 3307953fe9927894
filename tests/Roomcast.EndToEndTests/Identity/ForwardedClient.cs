using System.Net;
using System.Net.Sockets;
using Roomcast.EndToEndTests.Infrastructure;

namespace Roomcast.EndToEndTests.Identity;

/// <summary>
/// Clients that reach identity through a proxy (<c>X-Forwarded-For</c>) or from another loopback
/// address, so tests can speak for many client addresses from one machine.
/// </summary>
internal static class ForwardedClient
{
    private static int _next;

    /// <summary>A client address no other request of this test run has used (10.x.y.z).</summary>
    public static string FreshAddress()
    {
        var n = Interlocked.Increment(ref _next) + Environment.ProcessId % 200 * 65536;
        return $"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}";
    }

    /// <summary>An identity client whose every request says it was forwarded for <paramref name="clientAddress"/>.</summary>
    public static ServiceClient Identity(RoomcastStack stack, string clientAddress, string? accessToken = null, string? sourceAddress = null) =>
        ServiceClient.Identity(stack, $"client {clientAddress} (forwarded{(sourceAddress is null ? "" : " by " + sourceAddress)})", accessToken,
            new ForwardedFor(clientAddress) { InnerHandler = sourceAddress is null ? new SocketsHttpHandler() : From(IPAddress.Parse(sourceAddress)) });

    /// <summary>An HTTP handler whose connections leave from <paramref name="address"/> (any 127.x.y.z reaches the loopback listener).</summary>
    public static SocketsHttpHandler From(IPAddress address) => new()
    {
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(address, 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };

    private sealed class ForwardedFor(string clientAddress) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.Add("X-Forwarded-For", clientAddress);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
