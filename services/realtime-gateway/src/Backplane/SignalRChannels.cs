using System.Collections.Concurrent;
using System.Net;
using System.Reflection;
using System.Runtime.ExceptionServices;
using StackExchange.Redis;

namespace Roomcast.RealtimeGateway.Backplane;

/// <summary>
/// The process's one multiplexer as SignalR's Redis backplane (<c>RedisHubLifetimeManager</c>) gets it
/// from <c>RedisOptions.ConnectionFactory</c>. SignalR names its channels after the hub type alone and
/// leaves any prefix to the multiplexer, whose own prefix Roomcast keeps empty
/// (<see cref="BackplaneOptions.RedisConfiguration"/>); it unsubscribes everything and closes the
/// multiplexer when it is disposed; and it subscribes its instance-wide channels once, the first time
/// it gets a multiplexer. So what it gets:
/// <list type="bullet">
/// <item>names every channel under <see cref="BackplaneOptions.ChannelPrefix"/> (<see cref="BackplaneChannels.SignalR"/>),
/// so deployments sharing one Redis never hear each other's hub-level sends;</item>
/// <item>unsubscribes, when told to unsubscribe all, only the channels subscribed through it, and is
/// never closed through it: Roomcast's own subscriptions live on the same multiplexer, which the process owns;</item>
/// <item>drops a subscription Redis refused (the library would keep it, with a queue nobody reads);</item>
/// <item>is handed out only while the subscriber connection is up; before that the factory fails, and
/// SignalR asks again on its next connect or send.</item>
/// </list>
/// </summary>
public static class SignalRChannels
{
    /// <summary>What <c>RedisOptions.ConnectionFactory</c> returns.</summary>
    public static Task<IConnectionMultiplexer> ConnectAsync(IConnectionMultiplexer multiplexer, BackplaneChannels channels) =>
        multiplexer.GetSubscriber().IsConnected()
            ? Task.FromResult(SharedMultiplexer.Over(multiplexer, channels))
            : Task.FromException<IConnectionMultiplexer>(new RedisConnectionException(
                ConnectionFailureType.UnableToConnect, CommandFlags.None, "Redis is not reachable; SignalR's backplane starts once it is", null, CommandStatus.Unknown));

    /// <summary>The multiplexer, forwarded as it is but for its subscriber, its closing and the handlers added through it.</summary>
    internal class SharedMultiplexer : DispatchProxy
    {
        private readonly ConcurrentQueue<(MethodInfo Remove, object? Handler)> _handlers = new();
        private IConnectionMultiplexer _inner = null!;
        private ISubscriber _subscriber = null!;

        public static IConnectionMultiplexer Over(IConnectionMultiplexer inner, BackplaneChannels channels)
        {
            var proxy = Create<IConnectionMultiplexer, SharedMultiplexer>();
            var view = (SharedMultiplexer)(object)proxy;
            view._inner = inner;
            view._subscriber = new PrefixedSubscriber(inner.GetSubscriber(), channels, proxy);
            return proxy;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            var method = targetMethod!;
            switch (method.Name)
            {
                case nameof(IConnectionMultiplexer.GetSubscriber):
                    return _subscriber;
                case nameof(IDisposable.Dispose) or nameof(IConnectionMultiplexer.Close):
                    RemoveHandlers();
                    return null;
                case nameof(IAsyncDisposable.DisposeAsync):
                    RemoveHandlers();
                    return ValueTask.CompletedTask;
                case nameof(IConnectionMultiplexer.CloseAsync):
                    RemoveHandlers();
                    return Task.CompletedTask;
            }
            if (method.IsSpecialName && method.Name.StartsWith("add_", StringComparison.Ordinal)
                && method.DeclaringType!.GetEvent(method.Name[4..])?.RemoveMethod is { } remove)
            {
                _handlers.Enqueue((remove, args![0]));
            }
            try
            {
                return method.Invoke(_inner, args);
            }
            catch (TargetInvocationException exception) when (exception.InnerException is not null)
            {
                ExceptionDispatchInfo.Throw(exception.InnerException);
                throw;
            }
        }

        /// <summary>Event handlers SignalR added to the shared multiplexer would keep a disposed manager alive.</summary>
        private void RemoveHandlers()
        {
            while (_handlers.TryDequeue(out var added))
            {
                added.Remove.Invoke(_inner, [added.Handler]);
            }
        }
    }

    private sealed class PrefixedSubscriber(ISubscriber inner, BackplaneChannels channels, IConnectionMultiplexer multiplexer) : ISubscriber
    {
        private readonly ConcurrentDictionary<RedisChannel, byte> _subscribed = new();

        public IConnectionMultiplexer Multiplexer => multiplexer;

        public ChannelMessageQueue Subscribe(RedisChannel channel, CommandFlags flags = CommandFlags.None)
        {
            var name = Named(channel);
            try
            {
                var queue = inner.Subscribe(name, flags);
                _subscribed[name] = 0;
                return queue;
            }
            catch (Exception exception) when (exception is RedisException or TimeoutException)
            {
                Forget(name, handler: null);
                throw;
            }
        }

        public async Task<ChannelMessageQueue> SubscribeAsync(RedisChannel channel, CommandFlags flags = CommandFlags.None)
        {
            var name = Named(channel);
            try
            {
                var queue = await inner.SubscribeAsync(name, flags).ConfigureAwait(false);
                _subscribed[name] = 0;
                return queue;
            }
            catch (Exception exception) when (exception is RedisException or TimeoutException)
            {
                Forget(name, handler: null);
                throw;
            }
        }

        public void Subscribe(RedisChannel channel, Action<RedisChannel, RedisValue> handler, CommandFlags flags = CommandFlags.None)
        {
            var name = Named(channel);
            try
            {
                inner.Subscribe(name, handler, flags);
                _subscribed[name] = 0;
            }
            catch (Exception exception) when (exception is RedisException or TimeoutException)
            {
                Forget(name, handler);
                throw;
            }
        }

        public async Task SubscribeAsync(RedisChannel channel, Action<RedisChannel, RedisValue> handler, CommandFlags flags = CommandFlags.None)
        {
            var name = Named(channel);
            try
            {
                await inner.SubscribeAsync(name, handler, flags).ConfigureAwait(false);
                _subscribed[name] = 0;
            }
            catch (Exception exception) when (exception is RedisException or TimeoutException)
            {
                Forget(name, handler);
                throw;
            }
        }

        public void Unsubscribe(RedisChannel channel, Action<RedisChannel, RedisValue>? handler = null, CommandFlags flags = CommandFlags.None)
        {
            var name = Named(channel);
            _subscribed.TryRemove(name, out _);
            inner.Unsubscribe(name, handler, flags);
        }

        public Task UnsubscribeAsync(RedisChannel channel, Action<RedisChannel, RedisValue>? handler = null, CommandFlags flags = CommandFlags.None)
        {
            var name = Named(channel);
            _subscribed.TryRemove(name, out _);
            return inner.UnsubscribeAsync(name, handler, flags);
        }

        /// <summary>The channels subscribed through this view only, without waiting for Redis (it may be away).</summary>
        public void UnsubscribeAll(CommandFlags flags = CommandFlags.None)
        {
            foreach (var name in _subscribed.Keys)
            {
                _subscribed.TryRemove(name, out _);
                try
                {
                    inner.Unsubscribe(name, handler: null, CommandFlags.FireAndForget);
                }
                catch (ObjectDisposedException)
                {
                    // At shutdown the container may dispose the multiplexer before SignalR's manager: every
                    // subscription went with it, so there is nothing left to unsubscribe or report.
                    return;
                }
            }
        }

        public Task UnsubscribeAllAsync(CommandFlags flags = CommandFlags.None)
        {
            UnsubscribeAll(flags);
            return Task.CompletedTask;
        }

        public long Publish(RedisChannel channel, RedisValue message, CommandFlags flags = CommandFlags.None) =>
            inner.Publish(Named(channel), message, flags);

        public Task<long> PublishAsync(RedisChannel channel, RedisValue message, CommandFlags flags = CommandFlags.None) =>
            inner.PublishAsync(Named(channel), message, flags);

        public EndPoint? IdentifyEndpoint(RedisChannel channel, CommandFlags flags = CommandFlags.None) => inner.IdentifyEndpoint(Named(channel), flags);

        public Task<EndPoint?> IdentifyEndpointAsync(RedisChannel channel, CommandFlags flags = CommandFlags.None) => inner.IdentifyEndpointAsync(Named(channel), flags);

        public bool IsConnected(RedisChannel channel = default) => inner.IsConnected(Named(channel));

        public EndPoint? SubscribedEndpoint(RedisChannel channel) => inner.SubscribedEndpoint(Named(channel));

        public TimeSpan Ping(CommandFlags flags = CommandFlags.None) => inner.Ping(flags);

        public Task<TimeSpan> PingAsync(CommandFlags flags = CommandFlags.None) => inner.PingAsync(flags);

#pragma warning disable SER308 // blocking members of the interface, forwarded; SignalR never calls them
        public bool TryWait(Task task) => inner.TryWait(task);

        public void Wait(Task task) => inner.Wait(task);

        public T Wait<T>(Task<T> task) => inner.Wait(task);

        public void WaitAll(params Task[] tasks) => inner.WaitAll(tasks);
#pragma warning restore SER308

        private RedisChannel Named(RedisChannel channel) =>
            channel.IsNullOrEmpty ? channel : RedisChannel.Literal(channels.SignalR(channel.ToString()));

        /// <summary>A subscription Redis refused stays registered in the library, fed into a queue nobody reads: drop it.</summary>
        private void Forget(RedisChannel name, Action<RedisChannel, RedisValue>? handler) =>
            inner.Unsubscribe(name, handler, CommandFlags.FireAndForget);
    }
}
