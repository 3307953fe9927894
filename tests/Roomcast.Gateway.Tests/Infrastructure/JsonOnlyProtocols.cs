using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;

namespace Roomcast.Gateway.Tests.Infrastructure;

/// <summary>The hub protocols of a gateway that registers only SignalR's default, JSON.</summary>
internal sealed class JsonOnlyProtocols : IHubProtocolResolver
{
    private static readonly IHubProtocol Json = new JsonHubProtocol();

    public IReadOnlyList<IHubProtocol> AllProtocols { get; } = [Json];

    public IHubProtocol? GetProtocol(string protocolName, IReadOnlyList<string>? supportedProtocols) =>
        protocolName == Json.Name ? Json : null;
}
