using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Protocol;
using Roomcast.Contracts.Client;
using Roomcast.LoadGen;
using Shouldly;
using Xunit;

namespace Roomcast.UnitTests.LoadGen;

/// <summary>
/// The generator's reading of a hub record, on records written by SignalR's own JSON hub protocol, as
/// the gateway writes them: a wrong reading would count deliveries as missing or unexpected.
/// </summary>
public sealed class RunUpdateRecordTests
{
    private static readonly byte[] Run = Encoding.UTF8.GetBytes("lg1234");

    [Fact]
    public void AnUpdateOfTheRunGivesItsNumber()
    {
        var record = Record(ClientEvents.ChangedDocument, new { lg = "lg1234", n = 4711, t = 1_763_800_000_000L });

        RunUpdateRecord.Read(record, Run, out var n, out _).ShouldBe(RunUpdateRecord.Kind.Update);
        n.ShouldBe(4711);
    }

    [Fact]
    public void AFenceOfTheRunGivesItsId()
    {
        var record = Record(ClientEvents.ChangedDocument, new { lg = "lg1234", fence = "f00d" });

        RunUpdateRecord.Read(record, Run, out _, out var fence).ShouldBe(RunUpdateRecord.Kind.Fence);
        fence.ShouldBe("f00d");
    }

    [Fact]
    public void AnotherRunsUpdateIsNotCounted()
    {
        var record = Record(ClientEvents.ChangedDocument, new { lg = "lg9999", n = 1 });

        RunUpdateRecord.Read(record, Run, out _, out _).ShouldBe(RunUpdateRecord.Kind.Other);
    }

    [Fact]
    public void AnotherEventWithTheSameDataIsNotCounted()
    {
        var record = Record(ClientEvents.ChangedRecord, new { lg = "lg1234", n = 1 });

        RunUpdateRecord.Read(record, Run, out _, out _).ShouldBe(RunUpdateRecord.Kind.Other);
    }

    [Fact]
    public void OnlyTheDocumentDataItselfIsRead()
    {
        var record = Record(ClientEvents.ChangedDocument, new { note = "x", nested = new { lg = "lg1234", n = 3 } });

        RunUpdateRecord.Read(record, Run, out _, out _).ShouldBe(RunUpdateRecord.Kind.Other, "an lg inside a nested object is not the update's");
    }

    [Fact]
    public void APingIsNotAnUpdate()
    {
        RunUpdateRecord.Read("{\"type\":6}"u8, Run, out _, out _).ShouldBe(RunUpdateRecord.Kind.Other);
    }

    /// <summary>A CHANGED_DOCUMENT-shaped invocation as the gateway's JSON hub protocol writes it, without the record separator.</summary>
    private static byte[] Record(string target, object data)
    {
        var message = new ChangedDocumentMessage(Guid.NewGuid(), JsonSerializer.SerializeToElement(data), DateTimeOffset.UtcNow, 7, Guid.NewGuid(), 1_763_800_000_000_001, "3f9a2c");
        var output = new ArrayBufferWriter<byte>();
        new JsonHubProtocol().WriteMessage(new InvocationMessage(target, [message]), output);
        var written = output.WrittenSpan;
        written[^1].ShouldBe((byte)0x1e);
        return written[..^1].ToArray();
    }
}
