using System.Net;
using System.Net.Sockets;

namespace Roomcast.EndToEndTests.Infrastructure;

internal static class FreePort
{
    // Below the kernel's ephemeral range (32768 and up), where port-0 listeners (proxies, forwarders) and
    // outgoing connections take theirs: a port picked here stays free until its service binds it, seconds
    // later. scripts/stack.sh picks its servers' ports from the same range for the same reason.
    private const int First = 20000;
    private const int Last = 32767;
    private static readonly HashSet<int> Given = [];
    private static readonly Lock Gate = new();

    /// <summary>A loopback port nobody listens on right now, never handed out before by this process.</summary>
    public static int Next()
    {
        lock (Gate)
        {
            for (var attempt = 0; attempt < 1000; attempt++)
            {
                var port = Random.Shared.Next(First, Last + 1);
                if (Given.Contains(port) || !IsFree(port))
                {
                    continue;
                }
                Given.Add(port);
                return port;
            }
        }
        throw new InvalidOperationException($"No free loopback port between {First} and {Last} after 1000 tries.");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
