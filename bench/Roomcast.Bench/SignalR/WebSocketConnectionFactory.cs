using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.AspNetCore.Connections;

namespace Roomcast.Bench.SignalR;

/// <summary>
/// An <see cref="IConnectionFactory"/> for <c>HubConnectionBuilder</c> that speaks SignalR's
/// negotiate + WebSockets protocol itself: the benchmarks' lean stand-in for
/// <c>Microsoft.AspNetCore.Http.Connections.Client</c> (the end-to-end tests use that, through
/// <c>Microsoft.AspNetCore.SignalR.Client</c>). The latency and idle figures in BENCHMARKS.md were
/// measured through this factory; changing the client changes the driver's share of the CPU.
/// </summary>
/// <param name="accessTokenProvider">
/// Called once per connect; <c>null</c> or empty means anonymous. The token goes to negotiate as
/// <c>Authorization: Bearer</c> and to the WebSocket as the <c>access_token</c> query parameter.
/// </param>
/// <param name="handler">
/// Optional handler for all HTTP traffic (negotiate and the WebSocket upgrade). It must end in a
/// real socket handler (e.g. <see cref="SocketsHttpHandler"/>) for the upgrade to work. Not disposed.
/// </param>
public sealed class WebSocketConnectionFactory(Func<string?> accessTokenProvider, HttpMessageHandler? handler = null)
    : IConnectionFactory
{
    private const string WebSocketsTransport = "WebSockets";

    // Sent by the real client too: makes cookie-style auth answer 401 rather than redirect to a login page.
    private const string RequestedWithHeader = "X-Requested-With";
    private const string RequestedWithValue = "XMLHttpRequest";

    public async ValueTask<ConnectionContext> ConnectAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        if (endpoint is not UriEndPoint { Uri: { } hubUrl })
        {
            throw new NotSupportedException($"{nameof(WebSocketConnectionFactory)} needs a {nameof(UriEndPoint)}, got {endpoint.GetType().Name}.");
        }

        string? accessToken = accessTokenProvider();
        if (string.IsNullOrEmpty(accessToken))
        {
            accessToken = null;
        }

        Negotiation negotiation = await NegotiateAsync(hubUrl, accessToken, cancellationToken).ConfigureAwait(false);
        ClientWebSocket socket = await ConnectWebSocketAsync(hubUrl, negotiation.ConnectionToken, accessToken, cancellationToken)
            .ConfigureAwait(false);

        var connection = new WebSocketConnectionContext(negotiation.ConnectionId, socket);
        connection.Start();
        return connection;
    }

    private async Task<Negotiation> NegotiateAsync(Uri hubUrl, string? accessToken, CancellationToken cancellationToken)
    {
        Uri negotiateUrl = AppendQuery(AppendPath(hubUrl, "negotiate"), "negotiateVersion=1");

        using HttpClient client = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        using var request = new HttpRequestMessage(HttpMethod.Post, negotiateUrl);
        request.Headers.Add(RequestedWithHeader, RequestedWithValue);
        if (accessToken is not null)
        {
            request.Headers.Authorization = new("Bearer", accessToken);
        }

        using HttpResponseMessage response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        string body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException(
                $"Negotiate at {negotiateUrl} failed with {(int)response.StatusCode} ({response.ReasonPhrase}).",
                inner: null,
                response.StatusCode);
        }

        return Negotiation.Parse(body, negotiateUrl, response.StatusCode);
    }

    private async Task<ClientWebSocket> ConnectWebSocketAsync(
        Uri hubUrl, string connectionToken, string? accessToken, CancellationToken cancellationToken)
    {
        var builder = new UriBuilder(hubUrl)
        {
            Scheme = hubUrl.Scheme == Uri.UriSchemeHttps ? Uri.UriSchemeWss : Uri.UriSchemeWs,
        };
        Uri socketUrl = AppendQuery(builder.Uri, "id=" + Uri.EscapeDataString(connectionToken));
        if (accessToken is not null)
        {
            // Like browser clients, the server's auth reads the token from the query for WebSockets.
            socketUrl = AppendQuery(socketUrl, "access_token=" + Uri.EscapeDataString(accessToken));
        }

        // Lets a rejected upgrade (e.g. 401) surface as an HTTP status rather than a bare WebSocketException.
        var socket = new ClientWebSocket { Options = { CollectHttpResponseDetails = true } };
        socket.Options.SetRequestHeader(RequestedWithHeader, RequestedWithValue);
        try
        {
            if (handler is null)
            {
                await socket.ConnectAsync(socketUrl, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                using var invoker = new HttpMessageInvoker(handler, disposeHandler: false);
                await socket.ConnectAsync(socketUrl, invoker, cancellationToken).ConfigureAwait(false);
            }

            return socket;
        }
        catch (WebSocketException ex) when (socket.HttpStatusCode is not 0 and not HttpStatusCode.SwitchingProtocols)
        {
            HttpStatusCode status = socket.HttpStatusCode;
            socket.Dispose();
            throw new HttpRequestException($"WebSocket upgrade at {hubUrl} failed with {(int)status}.", ex, status);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static Uri AppendPath(Uri url, string segment)
    {
        var builder = new UriBuilder(url);
        builder.Path = builder.Path.TrimEnd('/') + "/" + segment;
        return builder.Uri;
    }

    private static Uri AppendQuery(Uri url, string pair)
    {
        var builder = new UriBuilder(url);
        string query = builder.Query.TrimStart('?');
        builder.Query = query.Length == 0 ? pair : query + "&" + pair;
        return builder.Uri;
    }

    /// <summary>The parts of the negotiate response this factory uses.</summary>
    private sealed record Negotiation(string ConnectionId, string ConnectionToken)
    {
        public static Negotiation Parse(string body, Uri negotiateUrl, HttpStatusCode status)
        {
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(body);
            }
            catch (JsonException ex)
            {
                throw new InvalidOperationException($"Negotiate at {negotiateUrl} returned invalid JSON: {Truncate(body)}", ex);
            }

            using (document)
            {
                return Parse(document.RootElement, body, negotiateUrl, status);
            }
        }

        private static Negotiation Parse(JsonElement root, string body, Uri negotiateUrl, HttpStatusCode status)
        {
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidOperationException($"Negotiate at {negotiateUrl} returned no JSON object: {Truncate(body)}");
            }

            if (root.TryGetProperty("error", out JsonElement error))
            {
                throw new HttpRequestException($"Negotiate at {negotiateUrl} returned an error: {error}", inner: null, status);
            }

            if (root.TryGetProperty("url", out _))
            {
                // Azure SignalR-style redirects are not needed by these tests.
                throw new NotSupportedException($"Negotiate at {negotiateUrl} redirected the client; redirects are not supported.");
            }

            string connectionId = GetString(root, "connectionId")
                ?? throw new InvalidOperationException($"Negotiate at {negotiateUrl} returned no connectionId: {Truncate(body)}");

            // negotiateVersion 0 servers have no separate token: the id is used in the URL.
            string connectionToken = GetString(root, "connectionToken") ?? connectionId;

            bool offersWebSockets = root.TryGetProperty("availableTransports", out JsonElement transports)
                && transports.ValueKind == JsonValueKind.Array
                && transports.EnumerateArray().Any(t => GetString(t, "transport") == WebSocketsTransport);
            if (!offersWebSockets)
            {
                throw new InvalidOperationException(
                    $"Negotiate at {negotiateUrl} does not offer the WebSockets transport, the only one this client speaks: {Truncate(body)}");
            }

            return new Negotiation(connectionId, connectionToken);
        }

        private static string? GetString(JsonElement element, string name) =>
            element.ValueKind == JsonValueKind.Object
            && element.TryGetProperty(name, out JsonElement value)
            && value.ValueKind == JsonValueKind.String
                ? value.GetString()
                : null;

        private static string Truncate(string text) => text.Length <= 500 ? text : text[..500] + "…";
    }
}
