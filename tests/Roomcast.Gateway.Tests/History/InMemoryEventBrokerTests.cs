using Microsoft.Extensions.Logging.Abstractions;
using Roomcast.RealtimeGateway.History;

namespace Roomcast.Gateway.Tests.History;

/// <summary>The broker of a gateway without Redis: announcements reach the subscribers of this process.</summary>
public sealed class InMemoryEventBrokerTests : EventBrokerSpecification
{
    protected override Task<IEventBroker> CreateAsync(EventHistoryOptions options) =>
        Task.FromResult<IEventBroker>(new InMemoryEventBroker(options, TimeProvider.System, "in-memory", NullLogger.Instance));
}
