using System.Text.Json;
using Roomcast.Contracts.Events;
using Roomcast.Contracts.Rooms;
using Shouldly;
using Xunit;

namespace Roomcast.UnitTests.Contracts;

public sealed class DocumentChangedTests
{
    private static DocumentChanged Create(IReadOnlyList<string> audience, Guid? eventId = null) => new(
        eventId ?? Guid.NewGuid(), DateTimeOffset.UtcNow, Guid.NewGuid(), Guid.NewGuid(), JsonDocument.Parse("{}").RootElement,
        2, DateTimeOffset.UtcNow, Guid.NewGuid(), "connection-1", ToSelf: false, audience);

    [Fact]
    public void AnEventNamingARoomOutsideTheGrammarCannotBeBuilt()
    {
        Should.Throw<FormatException>(() => Create(["admin", "users:everyone"]));
    }

    [Fact]
    public void AnEventWithoutAnIdCannotBeBuilt()
    {
        Should.Throw<ArgumentException>(() => Create(["admin"], Guid.Empty));
    }

    [Fact]
    public void AnEventSurvivesJsonRoundTripWithItsDataAndOutboxPosition()
    {
        var original = Create([RoomName.Admin.ToString(), RoomName.User(Guid.NewGuid()).ToString()]) with { OutboxPosition = 42 };
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        var copy = JsonSerializer.Deserialize<DocumentChanged>(JsonSerializer.Serialize(original, options), options)!;
        copy.EventId.ShouldBe(original.EventId);
        copy.OutboxPosition.ShouldBe(42);
        copy.Audience.ShouldBe(original.Audience);
        copy.OriginConnectionId.ShouldBe("connection-1");
        copy.Data.ValueKind.ShouldBe(JsonValueKind.Object);
    }
}
