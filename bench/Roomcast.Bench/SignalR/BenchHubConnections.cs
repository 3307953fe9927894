using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Roomcast.Bench.SignalR;

/// <summary>Builds the benchmarks' <see cref="HubConnection"/>s, which connect through <see cref="WebSocketConnectionFactory"/>.</summary>
public static class BenchHubConnections
{
    /// <summary>
    /// A hub connection (not started) for <paramref name="hubUrl"/>, e.g.
    /// <c>http://127.0.0.1:5000/hubs/notifications</c>, using the JSON hub protocol.
    /// </summary>
    /// <param name="accessToken">Bearer token, or <c>null</c> to connect anonymously.</param>
    public static HubConnection Build(Uri hubUrl, string? accessToken)
    {
        ArgumentNullException.ThrowIfNull(hubUrl);

        // HubConnectionBuilder registers the JSON protocol itself; only the transport needs wiring.
        var builder = new HubConnectionBuilder();
        builder.Services.AddSingleton<IConnectionFactory>(new WebSocketConnectionFactory(() => accessToken));
        builder.Services.AddSingleton<EndPoint>(new UriEndPoint(hubUrl));
        return builder.Build();
    }
}
