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
}
