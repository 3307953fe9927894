using Roomcast.EndToEndTests.Infrastructure;
using Xunit;

namespace Roomcast.EndToEndTests.Gateway;

/// <summary>
/// Two gateway processes on the Redis backplane with a small recent-event history (so a test can
/// outrun it) and quick retries (so a poison message reaches the error queue within a test).
/// </summary>
public sealed class HistoryStack : RoomcastStack
{
    /// <summary>How many events the history keeps.</summary>
    public const int HistorySize = 110;

    /// <summary>How many connections one user may hold on one instance.</summary>
    public const int ConnectionsPerUser = 5;

    private readonly string _channelPrefix = $"e2e-{Guid.NewGuid():N}";

    protected override int GatewayCount => 2;

    protected override Dictionary<string, string> GatewaySettings => new()
    {
        ["Redis__Endpoint"] = TestStackSettings.Current.Redis,
        ["Redis__ChannelPrefix"] = _channelPrefix,
        ["History__MaxEvents"] = HistorySize.ToString(),
        ["Hub__MaxConnectionsPerUser"] = ConnectionsPerUser.ToString(),
        ["Delivery__RetryLimit"] = "1",
        ["Delivery__RetryMinInterval"] = "00:00:00.050",
        ["Delivery__RetryMaxInterval"] = "00:00:00.200",
    };
}

/// <summary>The history tests share one <see cref="HistoryStack"/> and run one after another: they read the same history.</summary>
[CollectionDefinition(Name)]
public sealed class HistoryCollection : ICollectionFixture<HistoryStack>
{
    public const string Name = "gateway history";
}
