using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.DependencyInjection;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Roomcast.Contracts.Client;
using Roomcast.Gateway.Tests.Infrastructure;
using Roomcast.RealtimeGateway.Connections;
using Xunit;

namespace Roomcast.Gateway.Tests.Connections;

public sealed class LocalConnectionsTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    public void Dispose() => _services.Dispose();

    [Fact]
    public async Task EventsReachASlowConnectionInOrderWithoutTheSenderWaiting()
    {
        var connections = Connections(new OutboundBufferOptions());
        var slow = Add(connections, HeldConnection.Create("slow", held: true));

        for (var number = 1; number <= 3; number++)
        {
            connections.Write([slow.ConnectionId], Event(number)).ShouldBe(1);
        }
        slow.Unread.ShouldBe(0);
        slow.Release();

        for (var number = 1; number <= 3; number++)
        {
            NumberOf(await slow.NextAsync()).ShouldBe(number);
        }
        slow.CloseRequested.ShouldBeFalse();
    }

    [Fact]
    public async Task AConnectionTooManyMessagesBehindIsToldToReconnectAndClosedWhileTheOthersGetEverything()
    {
        var connections = Connections(new OutboundBufferOptions { MaxMessages = 2, CloseGrace = TimeSpan.Zero });
        var stuck = Add(connections, HeldConnection.Create("stuck", held: true));
        var reading = Add(connections, HeldConnection.Create("reading", held: false));

        // The first is being written, two wait: the fourth is one too many for the stuck connection.
        var reached = Enumerable.Range(1, 5).Select(number => connections.Write([stuck.ConnectionId, reading.ConnectionId], Event(number))).ToList();

        reached.ShouldBe([2, 2, 2, 1, 1]);
        for (var number = 1; number <= 5; number++)
        {
            NumberOf(await reading.NextAsync()).ShouldBe(number);
        }
        await WaitUntilAsync(() => stuck.CloseRequested);
        stuck.Aborted.ShouldBeFalse("Abort forbids the client to reconnect");
        reading.CloseRequested.ShouldBeFalse();

        // Once it reads again: the event it was being sent, then why it is closed; what waited is dropped (Resume brings it back).
        stuck.Release();
        NumberOf(await stuck.NextAsync()).ShouldBe(1);
        using var close = JsonDocument.Parse(await stuck.NextAsync());
        close.RootElement.GetProperty("type").GetInt32().ShouldBe(HubProtocolConstants.CloseMessageType);
        close.RootElement.GetProperty("error").GetString().ShouldBe(CloseReasons.SlowConnection);
        close.RootElement.GetProperty("allowReconnect").GetBoolean().ShouldBeTrue();
        stuck.Unread.ShouldBe(0);
    }

    [Fact]
    public async Task AConnectionTooManyBytesBehindIsClosed()
    {
        var oneEvent = Event(1).GetSerializedMessage(new JsonHubProtocol()).Length;
        var connections = Connections(new OutboundBufferOptions { MaxBytes = 2 * oneEvent + oneEvent / 2, CloseGrace = TimeSpan.Zero });
        var stuck = Add(connections, HeldConnection.Create("stuck", held: true));

        Enumerable.Range(1, 4).Select(number => connections.Write([stuck.ConnectionId], Event(number))).ShouldBe([1, 1, 1, 0]);

        await WaitUntilAsync(() => stuck.CloseRequested);
    }

    [Fact]
    public void WithAZeroWindowEveryConnectionIsToldToReconnectBeforeReconnectAllReturns()
    {
        var connections = Connections(new OutboundBufferOptions { CloseGrace = TimeSpan.Zero });
        var all = Enumerable.Range(1, 3).Select(number => Add(connections, HeldConnection.Create($"connection {number}", held: false))).ToList();

        connections.ReconnectAll(CloseReasons.MissedEvents, TimeSpan.Zero).ShouldBe(3);

        all.ShouldAllBe(connection => connection.CloseRequested);
        connections.Write(all.Select(connection => connection.ConnectionId), Event(1)).ShouldBe(0, "connections told to reconnect take no more events");
    }

    [Fact]
    public void HeldConnectionsGetNothingMoreStayOpenAndAreToldToReconnectLater()
    {
        var connections = Connections(new OutboundBufferOptions { CloseGrace = TimeSpan.Zero });
        var all = Enumerable.Range(1, 2).Select(number => Add(connections, HeldConnection.Create($"connection {number}", held: false))).ToList();

        connections.HoldAll().ShouldBe(2);

        connections.Write(all.Select(connection => connection.ConnectionId), Event(1)).ShouldBe(0, "a held connection takes no more events");
        all.ShouldAllBe(connection => !connection.CloseRequested, "holding does not close");
        connections.ReconnectAll(CloseReasons.MissedEvents, TimeSpan.Zero).ShouldBe(2, "held connections are told to reconnect when the time comes");
        all.ShouldAllBe(connection => connection.CloseRequested);
    }

    [Fact]
    public async Task TheClosesOfReconnectAllAreSpreadOverTheWindow()
    {
        var window = TimeSpan.FromMilliseconds(900);
        var connections = Connections(new OutboundBufferOptions { CloseGrace = TimeSpan.Zero });
        var all = Enumerable.Range(1, 3).Select(number => Add(connections, HeldConnection.Create($"connection {number}", held: false))).ToList();

        var start = Stopwatch.GetTimestamp();
        connections.ReconnectAll(CloseReasons.MissedEvents, window).ShouldBe(3);
        connections.Write(all.Select(connection => connection.ConnectionId), Event(1)).ShouldBe(0, "live delivery stops at once, before the closes");
        await WaitUntilAsync(() => all.All(connection => connection.CloseRequested));

        // The i-th of n is closed no earlier than window × i / n after the call (a timer may fire late, never early).
        var closedAfter = all.Select(connection => Stopwatch.GetElapsedTime(start, connection.CloseRequestedAt!.Value)).Order().ToList();
        closedAfter[1].ShouldBeGreaterThanOrEqualTo(window / 3 - TimeSpan.FromMilliseconds(20));
        closedAfter[2].ShouldBeGreaterThanOrEqualTo(window * 2 / 3 - TimeSpan.FromMilliseconds(20));
        foreach (var connection in all)
        {
            using var close = JsonDocument.Parse(await connection.NextAsync());
            close.RootElement.GetProperty("error").GetString().ShouldBe(CloseReasons.MissedEvents);
        }
    }

    [Fact]
    public void AConnectionOfAnotherInstanceOrGoneIsNotWritten()
    {
        var connections = Connections(new OutboundBufferOptions());
        var gone = Add(connections, HeldConnection.Create("gone", held: false));
        connections.Remove(gone);

        connections.Write([gone.ConnectionId, "on-another-instance"], Event(1)).ShouldBe(0);
    }

    private LocalConnections Connections(OutboundBufferOptions limits) => new(
        Options.Create(limits), new JsonOnlyProtocols(), new ConnectionMetrics(_services.GetRequiredService<IMeterFactory>()), TimeProvider.System,
        NullLogger<LocalConnections>.Instance);

    private static HeldConnection Add(LocalConnections connections, HeldConnection connection)
    {
        connections.Add(connection);
        return connection;
    }

    private static SerializedHubMessage Event(int number) => new(new InvocationMessage(ClientEvents.ChangedDocument, [new { number }]));

    private static int NumberOf(string message)
    {
        using var json = JsonDocument.Parse(message);
        return json.RootElement.GetProperty("arguments")[0].GetProperty("number").GetInt32();
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TestRedis.Patience);
        while (!condition())
        {
            await Task.Delay(10, timeout.Token);
        }
    }
}
