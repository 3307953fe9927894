using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
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
        byte[] frame = [.. BackplaneFraming.AnnouncementHead("instance-a", except), .. Encoding.UTF8.GetBytes($"1042|{entry.Body()}")];

        var announced = BackplaneFraming.ReadAnnounced(frame);
        var read = HistoryEntry.FromAnnounced(announced.Entry.Span);

        announced.Origin.ShouldBe("instance-a");
        announced.ExceptConnectionId.ShouldBe(except);
        read.Seq.ShouldBe(1042);
        read.EventId.ShouldBe(entry.EventId);
        read.Audience.ShouldBe(entry.Audience);
        read.ClientPayload().GetProperty("seq").GetInt64().ShouldBe(1042);
        read.ClientPayload().GetProperty("text").GetString().ShouldBe("hello");
    }

    [Fact]
    public void AFrameOfAnotherLayoutIsRefusedNotMisread()
    {
        var routed = BackplaneFraming.Routed("instance-a", ["connection-1"], new SerializedHubMessage(new InvocationMessage("X", [])), []);

        Should.Throw<InvalidDataException>(() => BackplaneFraming.ReadAnnounced(routed)).Message.ShouldContain("version 1 is not 2");
    }

    [Fact]
    public void AnAnnouncementInTheLayoutBeforeVersion2IsStillRead()
    {
        // Written as instances before layout 2 wrote it: version 1, origin, event id, rooms, except, then the message per protocol.
        var eventId = Guid.NewGuid();
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write((byte)1);
            writer.Write("instance-old");
            writer.Write(eventId.ToByteArray());
            writer.Write7BitEncodedInt(2);
            writer.Write("all");
            writer.Write("user:carol");
            writer.Write(true);
            writer.Write("connection-7");
            writer.Write7BitEncodedInt(1);
            writer.Write("json");
            byte[] json = Encoding.UTF8.GetBytes("{\"type\":1,\"target\":\"CHANGED_DOCUMENT\",\"arguments\":[{}]}\u001e");
            writer.Write7BitEncodedInt(json.Length);
            writer.Write(json);
        }
        var frame = stream.ToArray();

        BackplaneFraming.IsLegacyAnnouncement(frame).ShouldBeTrue();
        BackplaneFraming.IsLegacyAnnouncement(BackplaneFraming.AnnouncementHead("instance-a", null)).ShouldBeFalse();
        var legacy = BackplaneFraming.ReadLegacyAnnounced(frame);
        legacy.Origin.ShouldBe("instance-old");
        legacy.EventId.ShouldBe(eventId);
        legacy.Rooms.ShouldBe(["all", "user:carol"]);
        legacy.ExceptConnectionId.ShouldBe("connection-7");
        legacy.Message.GetSerializedMessage(new JsonHubProtocol()).Length.ShouldBeGreaterThan(0);
    }

    [Theory]
    [InlineData("|{}")]
    [InlineData("12{}")]
    [InlineData("-3|{}")]
    public void AnEntryWithoutItsSeqIsRefused(string text) =>
        Should.Throw<JsonException>(() => HistoryEntry.FromAnnounced(Encoding.UTF8.GetBytes(text)));

    private static HistoryEntry SampleEntry() => History.EventResumeTests.Entry(Guid.NewGuid(), ["all", "user:carol"], "hello");
}
