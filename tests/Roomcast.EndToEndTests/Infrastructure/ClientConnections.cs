using Microsoft.AspNetCore.SignalR.Client;

namespace Roomcast.EndToEndTests.Infrastructure;

/// <summary>The SignalR connections a test opened, all closed when the test ends.</summary>
public sealed class ClientConnections : IAsyncDisposable
{
    private readonly List<HubConnection> _connections = [];

    public void Add(HubConnection connection) => _connections.Add(connection);

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections)
        {
            await connection.DisposeAsync();
        }

        _connections.Clear();
    }
}
