using Roomcast.Contracts.Rooms;
using Roomcast.RealtimeGateway.History;
using Xunit;

namespace Roomcast.Gateway.Tests.History;

/// <summary>The pure decisions of a resume: when a gap can be filled, and which events a connection's rooms reach.</summary>
public sealed class ResumeRulesTests
{
    [Theory]
    [InlineData(100, 90, 150)]  // the whole gap is after the floor
    [InlineData(90, 90, 150)]   // the last trimmed event is the last one the client had
    [InlineData(150, 90, 150)]  // nothing missed
    public void AGapAfterTheFloorCanBeFilled(long lastSeq, long floor, long head) =>
        ResumeRules.GapReason(lastSeq, floor, head).ShouldBeNull();

    [Theory]
    [InlineData(89, 90, 150)]
    [InlineData(0, 1_000, 1_500)]
    public void AGapReachingBelowTheFloorMeansReload(long lastSeq, long floor, long head) =>
        ResumeRules.GapReason(lastSeq, floor, head).ShouldBe(ResumeRules.BeyondHistory);

    [Fact]
    public void ASeqTheHistoryNeverGaveMeansReload() =>
        ResumeRules.GapReason(lastSeq: 151, floor: 90, head: 150).ShouldBe(ResumeRules.AheadOfHistory);

    [Fact]
    public void AnEventReachesAConnectionInAnyOneOfItsRooms()
    {
        var rooms = new HashSet<string>(["user:a", "all", "group:g"], StringComparer.Ordinal);

        ResumeRules.Reaches(["admin", "group:g", "user:b"], rooms).ShouldBeTrue();
        ResumeRules.Reaches(["all"], rooms).ShouldBeTrue();
        ResumeRules.Reaches(["admin", "user:b", "root:r"], rooms).ShouldBeFalse();
        ResumeRules.Reaches([], rooms).ShouldBeFalse();
    }

    [Fact]
    public void AnAdminConnectionSeesWhatIsAddressedToAdmin()
    {
        var admin = new HashSet<string>(["user:x", "all", "admin"], StringComparer.Ordinal);

        ResumeRules.Reaches(["admin", "user:b"], admin).ShouldBeTrue();
        ResumeRules.Reaches(["user:b", "group:g"], admin).ShouldBeFalse();
    }

    private static readonly Guid Carol = Guid.NewGuid();
    private static readonly Guid Study = Guid.NewGuid();
    private static readonly Guid Club = Guid.NewGuid();
    private static readonly Guid Plan = Guid.NewGuid();

    [Fact]
    public void TheUsersOwnRoomAndAllCountFromTheStart()
    {
        var held = ResumeRules.HeldSince(Carol, [RoomName.User(Carol), RoomName.All], new Dictionary<string, long>());

        held.ShouldBe(new Dictionary<string, long> { [$"user:{Carol}"] = 0, ["all"] = 0 }, ignoreOrder: true);
    }

    [Fact]
    public void AGroupCountsFromItsRecordedGainAndNotAtAllWithoutOne()
    {
        var gains = new Dictionary<string, long> { [RoomName.Group(Study).ToString()] = 500 };

        var held = ResumeRules.HeldSince(Carol, [RoomName.User(Carol), RoomName.Group(Study), RoomName.Group(Club)], gains);

        held[RoomName.Group(Study).ToString()].ShouldBe(500);
        held.ContainsKey(RoomName.Group(Club).ToString()).ShouldBeFalse("documents-api names every member it knows of: a group room without a recorded gain adds nothing to a resume");
    }

    [Fact]
    public void AdminCountsFromTheRecordedPromotionOrFromTheStartWithoutOne()
    {
        ResumeRules.HeldSince(Carol, [RoomName.Admin], new Dictionary<string, long> { ["admin"] = 700 })["admin"].ShouldBe(700);
        ResumeRules.HeldSince(Carol, [RoomName.Admin], new Dictionary<string, long>())["admin"].ShouldBe(0, "a promotion older than the history's reach");
    }

    [Fact]
    public void RootRoomsAndOtherUsersRoomsNeverCount()
    {
        var held = ResumeRules.HeldSince(Carol, [RoomName.Root(Plan), RoomName.User(Guid.NewGuid())],
            new Dictionary<string, long> { [RoomName.Root(Plan).ToString()] = 1 });

        held.ShouldBeEmpty();
    }

    [Fact]
    public void AnEventIsReadableOnlyThroughARoomHeldBeforeItsSeq()
    {
        var held = new Dictionary<string, long> { ["user:c"] = 0, ["group:g"] = 500 };

        ResumeRules.Readable(["group:g", "admin"], 501, held).ShouldBeTrue();
        ResumeRules.Readable(["group:g", "admin"], 500, held).ShouldBeFalse("the gain's boundary is the newest seq before it: that event came before the gain");
        ResumeRules.Readable(["group:g", "user:c"], 400, held).ShouldBeTrue("named in the user's own room");
        ResumeRules.Readable(["root:r", "admin"], 900, held).ShouldBeFalse();
    }
}
