using Roomcast.RealtimeGateway.Access;
using Xunit;

namespace Roomcast.Gateway.Tests.Access;

public sealed class MembershipDeparturesTests
{
    private static readonly TimeSpan Retention = TimeSpan.FromMinutes(10);
    private readonly Guid _user = Guid.NewGuid();
    private readonly Guid _group = Guid.NewGuid();

    [Fact]
    public void TheNewestDepartureOfAGroupIsKeptWhateverTheOrderTheyArriveIn()
    {
        var departures = new MembershipDepartures(TimeProvider.System);
        departures.Left(_user, _group, 7, Retention);
        departures.Left(_user, _group, 5, Retention);
        departures.Of(_user, Retention).ShouldBe([(_group, 7L)]);
    }

    [Fact]
    public void AConfirmationOfAnOlderVersionKeepsTheNewerDeparture()
    {
        var departures = new MembershipDepartures(TimeProvider.System);
        departures.Left(_user, _group, 7, Retention);
        departures.Confirmed(_user, [(_group, 5L)]);
        departures.Of(_user, Retention).ShouldBe([(_group, 7L)]);
        departures.Confirmed(_user, [(_group, 7L)]);
        departures.Of(_user, Retention).ShouldBeEmpty();
    }
}
