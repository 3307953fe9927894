using System.Text;
using System.Threading.Channels;

namespace Roomcast.Redis.Tests.Infrastructure;

/// <summary>Collects what a subscription handler receives, to wait for it with a bound.</summary>
internal sealed class Inbox
{
    private readonly Channel<(string Channel, byte[] Message)> _messages = Channel.CreateUnbounded<(string, byte[])>();

    public Action<string, ReadOnlyMemory<byte>> Handler => (channel, message) => _messages.Writer.TryWrite((channel, message.ToArray()));

    public async Task<(string Channel, byte[] Message)> ReceiveAsync()
    {
        using var patience = new CancellationTokenSource(TestRedis.Patience);
        try
        {
            return await _messages.Reader.ReadAsync(patience.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No message arrived within {TestRedis.Patience.TotalSeconds} s.");
        }
    }

    public async Task<(string Channel, string Message)> ReceiveTextAsync()
    {
        var (channel, message) = await ReceiveAsync();
        return (channel, Encoding.UTF8.GetString(message));
    }
}
