using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.Logging.Abstractions;

namespace Roomcast.Gateway.Tests.Infrastructure;

/// <summary>One invocation a connection received: the client method and its single string argument.</summary>
public sealed record Received(string Method, string Argument);

/// <summary>
/// An in-memory SignalR connection: what the lifetime manager writes to it is decoded with the JSON
/// hub protocol into an inbox. One made with <c>failWrites</c> fails every write, like a broken socket.
/// </summary>
public sealed class TestConnection : HubConnectionContext
{
    private static readonly IHubProtocol Json = new JsonHubProtocol();
    private readonly Channel<Received> _inbox = Channel.CreateUnbounded<Received>();
    private readonly bool _failWrites;

    public TestConnection(string name, string? userId = null, bool failWrites = false)
        : base(new DefaultConnectionContext($"{name}-{Guid.NewGuid():N}"), new HubConnectionContextOptions
        {
            KeepAliveInterval = TimeSpan.FromSeconds(15),
            ClientTimeoutInterval = TimeSpan.FromSeconds(30),
            StreamBufferCapacity = 10,
            MaximumParallelInvocations = 1,
        }, NullLoggerFactory.Instance)
    {
        Name = name;
        UserIdentifier = userId;
        _failWrites = failWrites;
    }

    public string Name { get; }

    public override ValueTask WriteAsync(HubMessage message, CancellationToken cancellationToken = default) =>
        WriteAsync(new SerializedHubMessage(message), cancellationToken);

    public override ValueTask WriteAsync(SerializedHubMessage message, CancellationToken cancellationToken = default)
    {
        if (_failWrites)
        {
            return ValueTask.FromException(new IOException($"{Name}: the socket is broken."));
        }
        var bytes = message.GetSerializedMessage(Json);
        using var document = JsonDocument.Parse(bytes[..^1]); // the record separator ends a JSON hub message
        var root = document.RootElement;
        _inbox.Writer.TryWrite(new Received(root.GetProperty("target").GetString()!, root.GetProperty("arguments")[0].GetString()!));
        return ValueTask.CompletedTask;
    }

    /// <summary>How many received invocations have not been read yet.</summary>
    public int Pending => _inbox.Reader.Count;

    /// <summary>The next invocation this connection receives; fails after a bounded wait.</summary>
    public Task<Received> NextAsync() => NextAsync(TestRedis.Patience);

    /// <summary>The next invocation received within <paramref name="patience"/>; a read that times out takes nothing from the inbox.</summary>
    public async Task<Received> NextAsync(TimeSpan patience)
    {
        using var timeout = new CancellationTokenSource(patience);
        try
        {
            return await _inbox.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{Name} received nothing within {patience.TotalSeconds} s.");
        }
    }

    /// <summary>
    /// The next arguments received, which must be <paramref name="expected"/> in any order: SignalR's Redis
    /// backplane reads each channel on its own, so sends on different channels may overtake each other.
    /// </summary>
    public async Task ShouldReceiveAllAsync(params string[] expected)
    {
        var received = new List<string>();
        foreach (var _ in expected)
        {
            received.Add((await NextAsync()).Argument);
        }
        received.ShouldBe(expected, ignoreOrder: true, $"{Name} received {string.Join(", ", received)}");
    }

    /// <summary>The next argument received, which must be <paramref name="expected"/>.</summary>
    public async Task ShouldReceiveAsync(string expected)
    {
        var received = await NextAsync();
        received.Argument.ShouldBe(expected, $"{Name} received {received.Argument} where {expected} was due");
    }
}
