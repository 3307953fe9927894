using Roomcast.EndToEndTests.Infrastructure;

namespace Roomcast.EndToEndTests.EventLog;

/// <summary>
/// The services with two gateways on Redis (its history is where a trace reads the seq) and quick retries,
/// so a message that cannot be handled reaches its error queue within a test.
/// </summary>
public sealed class EventLogStack : RoomcastStack
{
    /// <summary>Two, so a replay is asked of one instance for a connection the other holds; the rest talk to the first.</summary>
    protected override int GatewayCount => 2;

    // One prefix for both instances; stacks of other test classes share this Redis.
    private readonly string _channelPrefix = $"e2e-{Guid.NewGuid():N}";

    protected override Dictionary<string, string> GatewaySettings => new()
    {
        ["Redis__Endpoint"] = TestStackSettings.Current.Redis,
        ["Redis__ChannelPrefix"] = _channelPrefix,
        ["Delivery__RetryLimit"] = "1",
        ["Delivery__RetryMinInterval"] = "00:00:00.050",
        ["Delivery__RetryMaxInterval"] = "00:00:00.200",
    };
}

/// <summary>The event-log, trace, dead-letter and tool tests share one <see cref="EventLogStack"/>.</summary>
[Xunit.CollectionDefinition(Name)]
public sealed class EventLogCollection : Xunit.ICollectionFixture<EventLogStack>
{
    public const string Name = "event log";
}
