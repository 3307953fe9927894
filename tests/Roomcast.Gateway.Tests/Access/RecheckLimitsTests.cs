using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Roomcast.Contracts.Rooms;
using Roomcast.RealtimeGateway.Access;
using Roomcast.RealtimeGateway.Rooms;
using Xunit;

namespace Roomcast.Gateway.Tests.Access;

/// <summary>
/// After a user leaves a group, every root room their connections joined is asked about again; a
/// documents-api that limits questions per user (429 with <c>Retry-After</c>) must not leave a
/// connection out of a room it may still read.
/// </summary>
public sealed class RecheckLimitsTests : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private const string Connection = "connection";

    private readonly Guid _user = Guid.NewGuid();
    private readonly LocalRooms _rooms = new();
    private readonly JoinedRoots _joined = new();
    private readonly LimitedDocumentsApi _documentsApi = new(perUser: 2);
    private readonly ServiceProvider _services;
    private readonly RootAccessChanges _changes;

    public RecheckLimitsTests()
    {
        var services = new ServiceCollection();
        services.AddHttpClient(RootReadAccess.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => _documentsApi);
        _services = services.BuildServiceProvider();
        var options = Options.Create(new RoomAccessOptions { DocumentsApiUrl = "http://documents-api.test" });
        var access = new RootReadAccess(
            _services.GetRequiredService<IHttpClientFactory>(), new InMemoryMembershipDepartures(TimeProvider.System, options), options,
            TimeProvider.System, NullLogger<RootReadAccess>.Instance);
        _changes = new RootAccessChanges(_rooms, _joined, access, options, TimeProvider.System, NullLogger<RootAccessChanges>.Instance);
        _rooms.Connect(Connection, _user, isAdmin: false, [RoomName.User(_user)]);
    }

    public async ValueTask DisposeAsync()
    {
        await _changes.DisposeAsync();
        await _services.DisposeAsync();
    }

    [Fact]
    public async Task EveryRootRoomOfTheUserComesBackWithoutGoingOverDocumentsApisLimitForThem()
    {
        var roots = JoinRoots(6);

        await _changes.UserLeftGroupAsync(_user, Guid.NewGuid(), 4, CancellationToken.None);

        await WaitUntilAsync(() => roots.All(root => _rooms.RoomsOf(Connection).Contains(RoomName.Root(root))), "every root room back");
        _documentsApi.Throttled.ShouldBe(0, "the rechecks went over documents-api's limit of questions per user");
    }

    [Fact]
    public async Task ARecheckRefusedForTooManyRequestsIsAskedAgainAfterRetryAfter()
    {
        var root = JoinRoots(1)[0];
        _documentsApi.RefuseNext(1);

        await _changes.UserLeftGroupAsync(_user, Guid.NewGuid(), 4, CancellationToken.None);

        await WaitUntilAsync(() => _rooms.RoomsOf(Connection).Contains(RoomName.Root(root)), "the root room back after the 429");
        _documentsApi.Throttled.ShouldBe(1);
    }

    private List<Guid> JoinRoots(int count)
    {
        var roots = Enumerable.Range(0, count).Select(_ => Guid.NewGuid()).ToList();
        foreach (var root in roots)
        {
            _joined.Joined(Connection, _user, "token", root);
            _rooms.Add(Connection, RoomName.Root(root));
        }
        return roots;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, $"waited for {what}");
            await Task.Delay(20);
        }
    }

    /// <summary>
    /// documents-api with its per-user concurrency limit and no queue, as <c>RequestLimits</c> configures
    /// it: a question over the limit is answered 429 with <c>Retry-After: 1</c>. Every root is readable and
    /// every departure applied; a question takes a moment, as a real one does.
    /// </summary>
    private sealed class LimitedDocumentsApi(int perUser) : HttpMessageHandler
    {
        private int _inFlight;
        private int _throttled;
        private int _refuseNext;

        public int Throttled => Volatile.Read(ref _throttled);

        public void RefuseNext(int count) => Volatile.Write(ref _refuseNext, count);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            try
            {
                if (Interlocked.Increment(ref _inFlight) > perUser || Interlocked.Decrement(ref _refuseNext) >= 0)
                {
                    Interlocked.Increment(ref _throttled);
                    var refused = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
                    refused.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(1));
                    return refused;
                }
                await Task.Delay(50, cancellationToken);
                return new HttpResponseMessage(HttpStatusCode.OK);
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
            }
        }
    }
}
