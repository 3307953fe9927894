using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Roomcast.Gateway.Tests.Infrastructure;
using Roomcast.RealtimeGateway.Access;
using Roomcast.RealtimeGateway.Backplane;
using StackExchange.Redis;
using Xunit;

namespace Roomcast.Gateway.Tests.Access;

/// <summary>The rules of <see cref="IMembershipDepartures"/>, for each implementation.</summary>
public abstract class MembershipDeparturesSpecification
{
    protected readonly Guid User = Guid.NewGuid();
    protected readonly Guid Group = Guid.NewGuid();

    protected static IOptions<RoomAccessOptions> Options => Microsoft.Extensions.Options.Options.Create(new RoomAccessOptions { DocumentsApiUrl = "http://documents-api.test" });

    protected abstract IMembershipDepartures Departures { get; }

    [Fact]
    public async Task TheNewestDepartureOfAGroupIsKeptWhateverTheOrderTheyArriveIn()
    {
        await Departures.LeftAsync(User, Group, 7, CancellationToken.None);
        await Departures.LeftAsync(User, Group, 5, CancellationToken.None);
        (await Departures.OfAsync(User, CancellationToken.None)).ShouldBe([(Group, 7L)]);
    }

    [Fact]
    public async Task AConfirmationOfAnOlderVersionKeepsTheNewerDeparture()
    {
        await Departures.LeftAsync(User, Group, 7, CancellationToken.None);
        await Departures.ConfirmedAsync(User, [(Group, 5L)], CancellationToken.None);
        (await Departures.OfAsync(User, CancellationToken.None)).ShouldBe([(Group, 7L)]);
        await Departures.ConfirmedAsync(User, [(Group, 7L)], CancellationToken.None);
        (await Departures.OfAsync(User, CancellationToken.None)).ShouldBeEmpty();
    }

    [Fact]
    public async Task AGroupsDeletionOutranksEveryMembershipVersion()
    {
        await Departures.LeftAsync(User, Group, long.MaxValue, CancellationToken.None);
        await Departures.LeftAsync(User, Group, long.MaxValue - 1, CancellationToken.None);
        await Departures.ConfirmedAsync(User, [(Group, long.MaxValue - 1)], CancellationToken.None);
        (await Departures.OfAsync(User, CancellationToken.None)).ShouldBe([(Group, long.MaxValue)]);
    }
}

public sealed class InMemoryMembershipDeparturesTests : MembershipDeparturesSpecification
{
    protected override IMembershipDepartures Departures { get; } = new InMemoryMembershipDepartures(TimeProvider.System, Options);
}

public sealed class RedisMembershipDeparturesTests : MembershipDeparturesSpecification, IAsyncLifetime
{
    private readonly BackplaneChannels _keys = new(TestRedis.NewPrefix());
    private ConnectionMultiplexer _multiplexer = null!;

    protected override IMembershipDepartures Departures => _departures!;

    private IMembershipDepartures? _departures;

    public async Task InitializeAsync()
    {
        var options = new BackplaneOptions { Endpoint = TestRedis.Endpoint, ChannelPrefix = _keys.Prefix };
        _multiplexer = await TestRedis.ConnectAsync(options, "departures-tests");
        _departures = new RedisMembershipDepartures(new BackplaneRedis(options, "departures-tests", _multiplexer, NullLogger<BackplaneRedis>.Instance), Options);
    }

    public async Task DisposeAsync() => await _multiplexer.DisposeAsync();

    [Fact]
    public async Task TheDeparturesExpireAfterTheRetention()
    {
        await Departures.LeftAsync(User, Group, 3, CancellationToken.None);
        var ttl = await _multiplexer.GetDatabase().KeyTimeToLiveAsync(_keys.MembershipDepartures(User));
        ttl.ShouldNotBeNull();
        ttl.Value.ShouldBeLessThanOrEqualTo(Options.Value.MembershipDepartureRetention);
    }
}
