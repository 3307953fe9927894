using System.Net;
using System.Net.Sockets;

namespace Roomcast.EndToEndTests.Infrastructure;

internal static class FreePort
{
    /// <summary>A loopback port nobody listens on right now.</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
