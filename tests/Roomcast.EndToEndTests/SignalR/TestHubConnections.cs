using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace Roomcast.EndToEndTests.SignalR;

/// <summary>Builds the tests' <see cref="HubConnection"/>s with the SignalR .NET client, as an app would.</summary>
public static class TestHubConnections
{
    /// <summary>
    /// A hub connection (not started) for <paramref name="hubUrl"/>, e.g.
    /// <c>http://127.0.0.1:5000/hubs/notifications</c>: negotiate, then WebSockets, the JSON hub protocol,
    /// no automatic reconnect.
    /// </summary>
    /// <param name="accessToken">Bearer token, or <c>null</c> to connect anonymously.</param>
    /// <remarks>
    /// Negotiation is kept (not <c>SkipNegotiation</c>) so that a refused token surfaces from
    /// <see cref="HubConnection.StartAsync"/> as an <see cref="HttpRequestException"/> carrying the 401,
    /// which the tests assert; a refused WebSocket upgrade would only say <c>WebSocketException</c>.
    /// </remarks>
    public static HubConnection Build(Uri hubUrl, string? accessToken)
    {
        ArgumentNullException.ThrowIfNull(hubUrl);

        return new HubConnectionBuilder()
            .WithUrl(hubUrl, options =>
            {
                options.Transports = HttpTransportType.WebSockets;
                options.AccessTokenProvider = () => Task.FromResult(accessToken);
            })
            .Build();
    }
}
