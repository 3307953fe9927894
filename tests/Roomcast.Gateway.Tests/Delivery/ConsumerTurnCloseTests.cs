using System.Reflection;
using RabbitMQ.Client;
using Roomcast.RealtimeGateway.Delivery;
using Xunit;

namespace Roomcast.Gateway.Tests.Delivery;

/// <summary>
/// Handing the consumer turn on closes the event channel first, and a drain waits for that: the wait
/// must end after its bound even when the client's close never does (it waits for every delivery in
/// flight on the channel, and does not give up on an open channel when its token is cancelled).
/// </summary>
public sealed class ConsumerTurnCloseTests
{
    [Fact]
    public async Task TheWaitForAChannelsCloseEndsAfterItsBoundEvenWhenTheCloseNeverDoes()
    {
        var channel = NeverClosingChannel.Create();

        var closing = ConsumerTurn.CloseWithinAsync(channel, "the test's drain", TimeSpan.FromMilliseconds(200));

        (await Task.WhenAny(closing, Task.Delay(TimeSpan.FromSeconds(10)))).ShouldBe(closing, "the wait for the close ended within 10 s");
        await Should.ThrowAsync<TimeoutException>(closing);
    }

    /// <summary>An open channel whose close is sent but never answered, whatever token it is given.</summary>
    public class NeverClosingChannel : DispatchProxy
    {
        private readonly TaskCompletionSource _never = new();

        public static IChannel Create() => DispatchProxy.Create<IChannel, NeverClosingChannel>();

        protected override object? Invoke(MethodInfo? method, object?[]? args) => method?.Name switch
        {
            "get_IsOpen" => true,
            nameof(IChannel.CloseAsync) => _never.Task,
            _ => throw new NotSupportedException($"{method?.Name} is not part of closing a channel"),
        };
    }
}
