using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Roomcast.Redis.Tests.Infrastructure;

/// <summary>Shows the client's log in the test output and keeps the event ids, to assert what was logged.</summary>
internal sealed class TestLogger(ITestOutputHelper output) : ILogger
{
    private readonly ConcurrentQueue<int> _eventIds = new();

    public IReadOnlyCollection<int> EventIds => _eventIds;

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        _eventIds.Enqueue(eventId.Id);
        try
        {
            output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} [{eventId.Id}] {formatter(state, exception)} {exception}");
        }
        catch (InvalidOperationException)
        {
            // The test has ended; a background reconnect may still log.
        }
    }
}
