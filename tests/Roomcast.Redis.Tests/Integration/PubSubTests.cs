using Roomcast.Redis.Tests.Infrastructure;
using Shouldly;
using Xunit;

namespace Roomcast.Redis.Tests.Integration;

/// <summary>Publish on the command connection, receive on the subscriber, against the stack's real redis-server.</summary>
public sealed class PubSubTests : IAsyncLifetime
{
    private readonly string _prefix = TestRedis.NewPrefix();
    private RedisConnection _publisher = null!;
    private RedisSubscriber _subscriber = null!;

    public async Task InitializeAsync()
    {
        _publisher = await RedisConnection.ConnectAsync(TestRedis.Options());
        _subscriber = await RedisSubscriber.ConnectAsync(TestRedis.Options());
    }

    public async Task DisposeAsync()
    {
        await _subscriber.DisposeAsync();
        await _publisher.DisposeAsync();
    }

    [Fact]
    public async Task AMessagePublishedToASubscribedChannelReachesItsHandler()
    {
        var inbox = new Inbox();
        await _subscriber.SubscribeAsync(Channel("group:1"), inbox.Handler);

        (await _publisher.PublishAsync(Channel("group:1"), "hello")).ShouldBe(1);

        (await inbox.ReceiveTextAsync()).ShouldBe((Channel("group:1"), "hello"));
    }

    [Fact]
    public async Task APatternSubscriptionHearsEveryMatchingChannelByItsActualName()
    {
        var inbox = new Inbox();
        var subscription = await _subscriber.PSubscribeAsync(Channel("room:*"), inbox.Handler);
        subscription.IsPattern.ShouldBeTrue();

        await _publisher.PublishAsync(Channel("room:a"), "1");
        await _publisher.PublishAsync(Channel("lobby"), "not for the pattern");
        await _publisher.PublishAsync(Channel("room:b"), "2");

        (await inbox.ReceiveTextAsync()).ShouldBe((Channel("room:a"), "1"));
        (await inbox.ReceiveTextAsync()).ShouldBe((Channel("room:b"), "2"));
    }

    [Fact]
    public async Task MessagesArriveInTheOrderTheyWerePublished()
    {
        var inbox = new Inbox();
        await _subscriber.SubscribeAsync(Channel("ordered"), inbox.Handler);

        await Task.WhenAll(Enumerable.Range(0, 1_000).Select(i => _publisher.PublishAsync(Channel("ordered"), i)));

        for (var i = 0; i < 1_000; i++)
        {
            (await inbox.ReceiveTextAsync()).Message.ShouldBe(i.ToString());
        }
    }

    [Fact]
    public async Task ABinaryMessageArrivesByteForByte()
    {
        var inbox = new Inbox();
        await _subscriber.SubscribeAsync(Channel("binary"), inbox.Handler);
        var payload = Enumerable.Range(0, 256).Select(b => (byte)b).ToArray();

        await _publisher.PublishAsync(Channel("binary"), payload);

        (await inbox.ReceiveAsync()).Message.ShouldBe(payload);
    }

    [Fact]
    public async Task OnceTheLastHandlerUnsubscribedRedisHasNoSubscriberLeftOnTheChannel()
    {
        var subscription = await _subscriber.SubscribeAsync(Channel("leaving"), new Inbox().Handler);
        var pattern = await _subscriber.PSubscribeAsync(Channel("leaving-pattern:*"), new Inbox().Handler);

        await subscription.DisposeAsync();
        await pattern.DisposeAsync();

        (await _publisher.PublishAsync(Channel("leaving"), "anyone?")).ShouldBe(0);
        (await _publisher.PublishAsync(Channel("leaving-pattern:1"), "anyone?")).ShouldBe(0);
    }

    [Fact]
    public async Task HandlersOnOneChannelShareOneServerSubscriptionUntilTheLastLeaves()
    {
        var (first, second) = (new Inbox(), new Inbox());
        var firstSubscription = await _subscriber.SubscribeAsync(Channel("shared"), first.Handler);
        var secondSubscription = await _subscriber.SubscribeAsync(Channel("shared"), second.Handler);

        (await _publisher.PublishAsync(Channel("shared"), "both")).ShouldBe(1);
        (await first.ReceiveTextAsync()).Message.ShouldBe("both");
        (await second.ReceiveTextAsync()).Message.ShouldBe("both");

        await firstSubscription.DisposeAsync();
        (await _publisher.PublishAsync(Channel("shared"), "second only")).ShouldBe(1);
        (await second.ReceiveTextAsync()).Message.ShouldBe("second only");

        await secondSubscription.DisposeAsync();
        await secondSubscription.DisposeAsync(); // a second dispose changes nothing
        (await _publisher.PublishAsync(Channel("shared"), "nobody")).ShouldBe(0);
    }

    [Fact]
    public async Task AHandlerThatThrowsKeepsItsSubscriptionAndSpoilsNoOtherHandler()
    {
        var inbox = new Inbox();
        var calls = 0;
        await _subscriber.SubscribeAsync(Channel("flaky"), (channel, message) =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                throw new InvalidOperationException("handler bug");
            }
            inbox.Handler(channel, message);
        });
        var bystander = new Inbox();
        await _subscriber.SubscribeAsync(Channel("flaky"), bystander.Handler);

        await _publisher.PublishAsync(Channel("flaky"), "first");
        await _publisher.PublishAsync(Channel("flaky"), "second");

        (await inbox.ReceiveTextAsync()).Message.ShouldBe("second");
        (await bystander.ReceiveTextAsync()).Message.ShouldBe("first");
        (await bystander.ReceiveTextAsync()).Message.ShouldBe("second");
    }

    [Fact]
    public async Task AChannelAndAPatternOfTheSameNameAreDifferentSubscriptions()
    {
        var (exact, pattern) = (new Inbox(), new Inbox());
        var name = Channel("literal*");
        await _subscriber.SubscribeAsync(name, exact.Handler);
        await _subscriber.PSubscribeAsync(name, pattern.Handler);

        (await _publisher.PublishAsync(Channel("literal-x"), "pattern only")).ShouldBe(1);
        (await _publisher.PublishAsync(name, "both")).ShouldBe(2);

        (await pattern.ReceiveTextAsync()).Message.ShouldBe("pattern only");
        (await pattern.ReceiveTextAsync()).Message.ShouldBe("both");
        (await exact.ReceiveTextAsync()).Message.ShouldBe("both");
    }

    private string Channel(string name) => _prefix + name;
}
