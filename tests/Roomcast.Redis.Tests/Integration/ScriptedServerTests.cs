using System.Net;
using System.Net.Sockets;
using System.Text;
using Roomcast.Redis.Tests.Infrastructure;
using Shouldly;
using Xunit;

namespace Roomcast.Redis.Tests.Integration;

/// <summary>
/// A fake server on a loopback socket that answers as scripted: for what a real redis-server never
/// does (malformed data, unasked replies) and to watch the bytes the client sends.
/// </summary>
public sealed class ScriptedServerTests : IAsyncLifetime
{
    private static readonly byte[] Ping = "*1\r\n$4\r\nPING\r\n"u8.ToArray();
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

    public Task InitializeAsync()
    {
        _listener.Start();
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        _listener.Stop();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task CommandsAreWrittenWithoutWaitingForTheRepliesOfThoseBefore()
    {
        const int count = 500;
        var serving = ServeAsync(async stream =>
        {
            // Not a single reply until every command has arrived: a client that waited for replies would stall here.
            await ReadExactlyAsync(stream, Ping.Length * count);
            await stream.WriteAsync(Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("+PONG\r\n", count))));
        });
        await using var redis = await RedisConnection.ConnectAsync(Options());

        await Task.WhenAll(Enumerable.Range(0, count).Select(_ => redis.PingAsync())).WaitAsync(TestRedis.Patience);

        await serving;
    }

    [Fact]
    public async Task MalformedDataDropsTheConnectionAndFailsItsCommandsWithTheProtocolError()
    {
        var serving = ServeAsync(async stream =>
        {
            await ReadExactlyAsync(stream, Ping.Length);
            await stream.WriteAsync("?what is this\r\n"u8.ToArray());
        });
        await using var redis = await RedisConnection.ConnectAsync(Options());
        var changes = StateChanges.Of(redis);

        var failure = await Should.ThrowAsync<RedisConnectionException>(redis.PingAsync().WaitAsync(TestRedis.Patience));

        failure.InnerException.ShouldBeOfType<RedisProtocolException>().Message.ShouldContain("unknown type 0x3F");
        (await changes.WaitForAsync(RedisConnectionState.Disconnected)).Failure!.InnerException.ShouldBeOfType<RedisProtocolException>();
        await serving;
    }

    [Fact]
    public async Task AReplyNoCommandAskedForDropsTheConnection()
    {
        var serving = ServeAsync(async stream =>
        {
            await ReadExactlyAsync(stream, Ping.Length);
            await stream.WriteAsync("+PONG\r\n+UNASKED\r\n"u8.ToArray());
        });
        await using var redis = await RedisConnection.ConnectAsync(Options());
        var changes = StateChanges.Of(redis);

        await redis.PingAsync();

        var lost = await changes.WaitForAsync(RedisConnectionState.Disconnected);
        lost.Failure!.InnerException.ShouldBeOfType<RedisProtocolException>().Message.ShouldContain("no command was waiting");
        await serving;
    }

    [Fact]
    public async Task AServerThatClosesInTheMiddleOfAReplyFailsTheCommandWithAConnectionException()
    {
        var serving = ServeAsync(async stream =>
        {
            await ReadExactlyAsync(stream, Ping.Length);
            await stream.WriteAsync("$10\r\nabc"u8.ToArray());
        });
        await using var redis = await RedisConnection.ConnectAsync(Options());

        var failure = await Should.ThrowAsync<RedisConnectionException>(redis.PingAsync().WaitAsync(TestRedis.Patience));

        failure.Message.ShouldContain("in the middle of a reply");
        await serving;
    }

    private RedisOptions Options()
    {
        // Slow reconnects: the scripted server answers one connection only.
        var options = TestRedis.Options($"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
        options.ReconnectMinDelay = options.ReconnectMaxDelay = TimeSpan.FromMinutes(1);
        return options;
    }

    /// <summary>Accepts one connection, runs <paramref name="script"/> on it, then closes it.</summary>
    private async Task ServeAsync(Func<NetworkStream, Task> script)
    {
        using var client = await _listener.AcceptTcpClientAsync().WaitAsync(TestRedis.Patience);
        await using var stream = client.GetStream();
        await script(stream).WaitAsync(TestRedis.Patience);
    }

    private static async Task ReadExactlyAsync(NetworkStream stream, int length) =>
        await stream.ReadExactlyAsync(new byte[length]);
}
