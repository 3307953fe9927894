using System.Text;
using System.Text.Json;
using Roomcast.RealtimeGateway.Backplane;
using Roomcast.RealtimeGateway.History;
using Xunit;

namespace Roomcast.Gateway.Tests.Backplane;

/// <summary>The frame of an announced event: the head written here, the entry the history's script appends after it.</summary>
public sealed class AnnouncedEventFramingTests
{
    [Theory]
    [InlineData("connection-7")]
    [InlineData(null)]
    public void TheHeadAndTheEntryTheHistoryAppendsReadBack(string? except)
    {
        var entry = SampleEntry();
        var actor = Guid.NewGuid();
        byte[] frame = [.. BackplaneFraming.AnnouncementHead("instance-a", except, actor), .. Encoding.UTF8.GetBytes($"3f9a2c|1042|{entry.Body()}")];

        var announced = BackplaneFraming.ReadAnnounced(frame);
        var read = HistoryEntry.FromAnnounced(announced.Entry.Span);

        announced.Origin.ShouldBe("instance-a");
        announced.ExceptConnectionId.ShouldBe(except);
        announced.ActorId.ShouldBe(except is null ? Guid.Empty : actor, "the connection to skip travels with the actor it must belong to");
        read.Seq.ShouldBe(1042);
        read.EventId.ShouldBe(entry.EventId);
        read.Audience.ShouldBe(entry.Audience);
        read.Epoch.ShouldBe("3f9a2c");
        read.ClientPayload().GetProperty("seq").GetInt64().ShouldBe(1042);
        read.ClientPayload().GetProperty("epoch").GetString().ShouldBe("3f9a2c");
        read.ClientPayload().GetProperty("text").GetString().ShouldBe("hello");
    }

    [Fact]
    public void AFrameOfAnotherLayoutIsRefusedNotMisread()
    {
        var older = BackplaneFraming.AnnouncementHead("instance-a", exceptConnectionId: null, Guid.Empty);
        older[0] = 3;

        Should.Throw<InvalidDataException>(() => BackplaneFraming.ReadAnnounced(older)).Message.ShouldContain("layout 3 is not 4");
    }

    [Theory]
    [InlineData("|{}")]
    [InlineData("3f9a2c|{}")]
    [InlineData("3f9a2c|12{}")]
    [InlineData("3f9a2c|-3|{}")]
    [InlineData("|12|{}")]
    public void AnEntryWithoutItsPositionIsRefused(string text) =>
        Should.Throw<JsonException>(() => HistoryEntry.FromAnnounced(Encoding.UTF8.GetBytes(text)));

    private static HistoryEntry SampleEntry() => History.EventBrokerSpecification.Entry(Guid.NewGuid(), ["all", "user:carol"], "hello");
}
