using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Roomcast.Contracts.Access;
using Roomcast.Gateway.Tests.Infrastructure;
using Roomcast.RealtimeGateway.Access;
using Roomcast.RealtimeGateway.Backplane;
using Roomcast.ServiceDefaults.Problems;
using StackExchange.Redis;
using Xunit;

namespace Roomcast.Gateway.Tests.Access;

/// <summary>
/// A group departure one instance heard of holds back every instance's questions about that user — one
/// started after it too — until documents-api has applied it.
/// </summary>
public sealed class SharedDeparturesTests : IAsyncLifetime
{
    private readonly BackplaneOptions _redis = new() { Endpoint = TestRedis.Endpoint, ChannelPrefix = TestRedis.NewPrefix() };
    private readonly List<ConnectionMultiplexer> _multiplexers = [];
    private readonly Guid _user = Guid.NewGuid();
    private readonly Guid _root = Guid.NewGuid();
    private readonly DocumentsApiBehind _documentsApi = new();
    private readonly ServiceProvider _services;

    public SharedDeparturesTests()
    {
        var services = new ServiceCollection();
        services.AddHttpClient(RootReadAccess.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => _documentsApi);
        _services = services.BuildServiceProvider();
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var multiplexer in _multiplexers)
        {
            await multiplexer.DisposeAsync();
        }
        await _services.DisposeAsync();
    }

    [Fact]
    public async Task AnInstanceStartedAfterADepartureAsksForAnAnswerNoOlderThanIt()
    {
        var group = Guid.NewGuid();
        var heardIt = await InstanceAsync("heard-it");
        await heardIt.UserLeftGroupAsync(_user, group, 7, CancellationToken.None);

        var startedLater = await InstanceAsync("started-later");
        await Should.ThrowAsync<MembershipNotYetAppliedException>(() => startedLater.CanReadAsync(_user, _root, "token", CancellationToken.None));
        _documentsApi.AfterMemberships.ShouldBe([AccessConsistency.AfterMembership(group, 7)]);
    }

    [Fact]
    public async Task MoreDeparturesThanOneQuestionMayNameAreEachAskedAboutBeforeAnAnswerCounts()
    {
        var instance = await InstanceAsync("many-groups");
        var groups = Enumerable.Range(0, AccessConsistency.MaxAfterMemberships + 1).Select(_ => Guid.NewGuid()).ToList();
        foreach (var group in groups)
        {
            await instance.UserLeftGroupAsync(_user, group, 3, CancellationToken.None);
        }
        _documentsApi.AppliedAllBut(groups[^1]);

        await Should.ThrowAsync<MembershipNotYetAppliedException>(() => instance.CanReadAsync(_user, _root, "token", CancellationToken.None));
        _documentsApi.AfterMemberships.ShouldContain(AccessConsistency.AfterMembership(groups[^1], 3));

        _documentsApi.AppliedAllBut(null);
        (await instance.CanReadAsync(_user, _root, "token", CancellationToken.None)).ShouldBeTrue();
        _documentsApi.AfterMemberships.Count(named => named == AccessConsistency.AfterMembership(groups[^1], 3)).ShouldBe(2);
    }

    /// <summary>An instance of its own, with a multiplexer of its own, as a gateway process has.</summary>
    private async Task<RootReadAccess> InstanceAsync(string serverName)
    {
        var multiplexer = await TestRedis.ConnectAsync(_redis, serverName);
        _multiplexers.Add(multiplexer);
        var options = Options.Create(new RoomAccessOptions { DocumentsApiUrl = "http://documents-api.test" });
        return new RootReadAccess(
            _services.GetRequiredService<IHttpClientFactory>(),
            new RedisMembershipDepartures(new BackplaneRedis(_redis, serverName, multiplexer, NullLogger<BackplaneRedis>.Instance), options),
            options, TimeProvider.System, NullLogger<RootReadAccess>.Instance);
    }

    /// <summary>
    /// A documents-api whose projection has applied no departure yet (or all but one group's): "yes" to a
    /// question naming none it has not applied, "not yet" to one that does.
    /// </summary>
    private sealed class DocumentsApiBehind : HttpMessageHandler
    {
        private readonly List<string> _afterMemberships = [];
        private volatile bool _appliedAny;
        private volatile string? _behindOn;

        public void AppliedAllBut(Guid? group)
        {
            _behindOn = group?.ToString("D");
            _appliedAny = true;
        }

        public IReadOnlyList<string> AfterMemberships
        {
            get
            {
                lock (_afterMemberships)
                {
                    return [.. _afterMemberships];
                }
            }
        }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (!request.Headers.TryGetValues(AccessConsistency.AfterMembershipHeader, out var named))
            {
                return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK));
            }
            var elements = named.SelectMany(value => value.Split(',', StringSplitOptions.TrimEntries)).ToList();
            lock (_afterMemberships)
            {
                _afterMemberships.AddRange(elements);
            }
            if (_appliedAny && !elements.Any(element => _behindOn is { } behind && element.StartsWith(behind, StringComparison.Ordinal)))
            {
                return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK));
            }
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.ServiceUnavailable)
            {
                Content = new StringContent($$"""{"type":"{{ProblemTypes.MembershipNotYetApplied}}","status":503}""", Encoding.UTF8, "application/problem+json"),
            });
        }
    }
}
