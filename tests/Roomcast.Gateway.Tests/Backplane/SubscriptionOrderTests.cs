using Roomcast.Gateway.Tests.Infrastructure;
using Roomcast.RealtimeGateway.Backplane;
using StackExchange.Redis;
using Xunit;

namespace Roomcast.Gateway.Tests.Backplane;

/// <summary>
/// An instance handles what it hears in the order it was published, across channels: a membership move
/// is applied before the announcement published after it, as the move's publisher relies on.
/// </summary>
public sealed class SubscriptionOrderTests : IAsyncLifetime
{
    private const int Messages = 2_000;
    private TestBackplane _listener = null!;
    private ConnectionMultiplexer _publisher = null!;

    public async Task InitializeAsync()
    {
        _listener = await TestBackplane.StartAsync(new BackplaneOptions { Endpoint = TestRedis.Endpoint, ChannelPrefix = TestRedis.NewPrefix() }, "order-listener");
        _publisher = await TestRedis.ConnectAsync();
    }

    public async Task DisposeAsync()
    {
        await _listener.DisposeAsync();
        await _publisher.DisposeAsync();
    }

    [Fact]
    public async Task MessagesOnDifferentChannelsAreHandledInTheOrderTheyWerePublished()
    {
        var redis = _listener.Redis;
        var channels = new[] { redis.Channels.Membership, redis.Channels.Audience, redis.Channels.RootAccess, redis.Channels.Census };
        var handled = new List<int>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        foreach (var channel in channels)
        {
            await redis.SubscribeAsync(channel, (_, message) =>
            {
                handled.Add(BitConverter.ToInt32(message.Span));
                if (handled.Count == Messages)
                {
                    all.SetResult();
                }
            });
        }

        // Pipelined, so the messages of the four channels arrive packed together.
        var subscriber = _publisher.GetSubscriber();
        await Task.WhenAll(Enumerable.Range(0, Messages).Select(i =>
            subscriber.PublishAsync(RedisChannel.Literal(channels[i % channels.Length]), BitConverter.GetBytes(i))));
        await all.Task.WaitAsync(TestRedis.Patience);

        handled.ShouldBe(Enumerable.Range(0, Messages).ToList());
    }
}
