using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.SignalR;
using Roomcast.Contracts.Client;
using Roomcast.Contracts.Events;
using Roomcast.EndToEndTests.DocumentsApi;
using Roomcast.EndToEndTests.Gateway;
using Roomcast.EndToEndTests.Identity;
using Roomcast.EndToEndTests.Infrastructure;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace Roomcast.EndToEndTests.Model;

/// <summary>
/// The audience invariant over generated sequences: grants and revocations, group memberships, role
/// changes, joins of root rooms, clients going offline and coming back with a fresh login, and document
/// changes, with live clients on two gateway instances. At the end, every change a client applied (live
/// or by <c>Resume</c>) was one its user could read when it happened, and every change its user could
/// read arrived: live while connected, by <c>Resume</c> while offline (there, what the user read only as
/// an admin is not owed: the rooms a resumed connection holds are its user's now). Each operation is
/// awaited until both instances delivered its event to an admin, so "when it happened" is exact.
/// A failure prints its seed; <c>ROOMCAST_MODEL_SEED</c> (and <c>ROOMCAST_MODEL_STEPS</c>) replay it.
/// </summary>
public sealed class AccessModelTests(TwoGatewayStack stack, ITestOutputHelper output) : IClassFixture<TwoGatewayStack>, IAsyncLifetime
{
    private const int DefaultSteps = 40;

    /// <summary>As long as a <see cref="ResumingClient"/> itself allows to reconnect and resume.</summary>
    private static readonly TimeSpan ReconnectPatience = TimeSpan.FromSeconds(30);
    private readonly ClientConnections _connections = new();
    private readonly List<(ResumingClient Client, Guid User, string Name)> _clients = [];

    private DemoWorld World => stack.World;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var (client, _, _) in _clients)
        {
            await client.DisposeAsync();
        }
        await _connections.DisposeAsync();
    }

    private enum Operation
    {
        ChangeDocument,
        ToggleUserGrant,
        ToggleGroupGrant,
        ToggleMembership,
        ToggleAdmin,
        JoinRoot,
        GoOffline,
        ComeBack,
    }

    [Fact]
    public async Task GeneratedAccessChangesReachExactlyTheReadersOfTheirTime()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("ROOMCAST_MODEL_SEED"), CultureInfo.InvariantCulture, out var fixedSeed) ? fixedSeed : Random.Shared.Next();
        var steps = int.TryParse(Environment.GetEnvironmentVariable("ROOMCAST_MODEL_STEPS"), CultureInfo.InvariantCulture, out var fixedSteps) ? fixedSteps : DefaultSteps;
        output.WriteLine($"seed {seed}, {steps} steps (replay: ROOMCAST_MODEL_SEED={seed} ROOMCAST_MODEL_STEPS={steps})");
        var random = new Random(seed);
        var log = new List<string>();

        using var bob = await ApiUser.LoginAsync(stack, World.Bob);
        using var aliceDocuments = await ApiUser.LoginAsync(stack, World.Alice);
        using var aliceIdentity = await IdentityApi.SignInAsync(stack, World.Alice);
        var second = await bob.CreateRootIdAsync("Model");
        var secondDocument = await bob.CreateDocumentIdAsync(second);
        var documentOf = new Dictionary<Guid, Guid> { [World.PlanRoot] = World.PlanDocument, [second] = secondDocument };

        var model = new AccessModel([World.Carol, World.Dave], [World.PlanRoot, second]);
        model.SetUserGrant(World.PlanRoot, World.Carol, granted: true);
        model.SetMember(World.Dave, member: true);

        // alice (admin, never changed) watches on both instances: an operation is done when both delivered its event.
        var observers = new List<EventInbox>();
        for (var gateway = 0; gateway < 2; gateway++)
        {
            var connection = await stack.ConnectAsync(await stack.LoginAsync(World.Alice), gateway);
            _connections.Add(connection);
            observers.Add(new EventInbox(connection, $"alice on instance {gateway}", () => stack.Logs));
        }
        foreach (var reader in model.Readers)
        {
            for (var gateway = 0; gateway < 2; gateway++)
            {
                var name = $"{World.UsernameOf(reader)} on instance {gateway}";
                _clients.Add((await ResumingClient.ConnectAsync(name, stack.HubUrlOf(gateway), await stack.LoginAsync(reader)), reader, name));
            }
        }
        await FenceAsync(aliceDocuments, observers, "start");

        var audiences = new Dictionary<int, IReadOnlySet<Guid>>();
        var readersWithoutAdmin = new Dictionary<int, IReadOnlySet<Guid>>();
        var offlineSince = new Dictionary<string, int>();
        var offline = _clients.ToDictionary(client => client.Name, _ => new List<(int From, int To)>());
        var failures = new List<string>();
        var completeFrom = _clients.ToDictionary(client => client.Name, _ => 0);
        var closesSeen = _clients.ToDictionary(client => client.Name, _ => 0);
        for (var step = 0; step < steps; step++)
        {
            var operation = Pick(random);
            var root = model.Roots[random.Next(model.Roots.Count)];
            var reader = model.Readers[random.Next(model.Readers.Count)];
            string description;
            switch (operation)
            {
                case Operation.ChangeDocument:
                {
                    var text = $"op {step}";
                    (await bob.SendAsync(HttpMethod.Put, $"/api/v1/documents/{documentOf[root]}", new { data = new { text } })).ShouldBe(HttpStatusCode.OK);
                    audiences[step] = model.AudienceOf(root);
                    readersWithoutAdmin[step] = model.ReadersWithoutAdmin(root);
                    description = $"bob changes the document of {Name(root, second)} to \"{text}\" (readers: {string.Join(", ", audiences[step].Select(World.UsernameOf))})";
                    await ObservedAsync(observers, received => received.Name == ClientEvents.ChangedDocument && TextOf(received) == text, description);
                    break;
                }
                case Operation.ToggleUserGrant:
                {
                    var granted = !model.HasUserGrant(root, reader);
                    var path = $"/api/v1/roots/{root}/permissions/users/{reader}";
                    if (granted)
                    {
                        await bob.GrantAsync(root, reader, "RO");
                    }
                    else
                    {
                        (await bob.DeleteAsync(path)).ShouldBe(HttpStatusCode.NoContent);
                    }
                    model.SetUserGrant(root, reader, granted);
                    description = $"bob {(granted ? "grants" : "revokes")} {World.UsernameOf(reader)} on {Name(root, second)}";
                    await ObservedAsync(observers, received => received.Type == RecordTypes.UserPermission, description);
                    break;
                }
                case Operation.ToggleGroupGrant:
                {
                    var granted = !model.HasGroupGrant(root);
                    var path = $"/api/v1/roots/{root}/permissions/groups/{World.StudyGroup}";
                    var answer = await bob.SendAsync(granted ? HttpMethod.Put : HttpMethod.Delete, path, granted ? new { access = "RO" } : null);
                    answer.Status.ShouldBeOneOf(granted ? new[] { HttpStatusCode.Created, HttpStatusCode.OK } : new[] { HttpStatusCode.NoContent }, answer.Describe());
                    model.SetGroupGrant(root, granted);
                    description = $"bob {(granted ? "grants" : "revokes")} the study group on {Name(root, second)}";
                    await ObservedAsync(observers, received => received.Type == RecordTypes.GroupPermission, description);
                    break;
                }
                case Operation.ToggleMembership:
                {
                    var member = !model.IsMember(reader);
                    var path = IdentityApi.Member(World.StudyGroup, reader);
                    var answer = member ? await aliceIdentity.PutAsync(path, null) : await aliceIdentity.DeleteAsync(path);
                    ((int)answer.Status).ShouldBeInRange(200, 299, answer.Describe());
                    model.SetMember(reader, member);
                    description = $"alice {(member ? "adds" : "removes")} {World.UsernameOf(reader)} {(member ? "to" : "from")} the study group";
                    await ObservedAsync(observers, received => received.Type == RecordTypes.GroupMembership, description);
                    await DocumentsAgreeAsync(model, reader, description);
                    break;
                }
                case Operation.ToggleAdmin:
                {
                    var admin = !model.IsAdmin(reader);
                    var closedByDemotion = _clients.Where(entry => !admin && entry.User == reader && entry.Client.IsLive).ToList();
                    (await aliceIdentity.PutAsync(IdentityApi.AdminOf(reader), new { isAdmin = admin })).ShouldBe(HttpStatusCode.OK);
                    model.SetAdmin(reader, admin);
                    description = $"alice {(admin ? "promotes" : "demotes")} {World.UsernameOf(reader)}";
                    await ObservedAsync(observers, received => received.Type == RecordTypes.User, description);
                    await DocumentsAgreeAsync(model, reader, description);
                    // The gateway closes a demoted user's connections; the client hears of it on its own
                    // time. Heard before the next step, so that step does not use a connection already closed.
                    foreach (var (client, _, name) in closedByDemotion)
                    {
                        await Poll.UntilAsync(() => Task.FromResult(client.CloseErrors.Count > closesSeen[name]), $"{name} to hear its connection closed on the demotion", ReconnectPatience);
                    }
                    break;
                }
                case Operation.JoinRoot:
                {
                    var (client, user, name) = _clients[random.Next(_clients.Count)];
                    if (!client.IsLive)
                    {
                        description = $"{name} is reconnecting: no join";
                        break;
                    }
                    var expected = model.CanRead(user, root);
                    string outcome;
                    try
                    {
                        var ack = await client.JoinRoomAsync($"root:{root:D}");
                        outcome = ack.Member ? "joined" : "not a member";
                    }
                    catch (HubException refused)
                    {
                        outcome = $"refused ({refused.Message})";
                    }
                    description = $"{name} joins {Name(root, second)}: {outcome}";
                    if ((outcome == "joined") != expected)
                    {
                        failures.Add($"step {step}: {name} {(expected ? "should have joined" : "should have been refused")} {Name(root, second)}: {outcome}");
                    }
                    break;
                }
                case Operation.GoOffline:
                {
                    var (client, _, name) = _clients[random.Next(_clients.Count)];
                    if (!client.IsLive)
                    {
                        description = $"{name} is not connected: stays so";
                        break;
                    }
                    await client.DisconnectAsync();
                    offlineSince[name] = step;
                    description = $"{name} goes offline";
                    break;
                }
                default:
                {
                    if (offlineSince.Count == 0)
                    {
                        description = "nobody is offline to come back";
                        break;
                    }
                    var name = offlineSince.Keys.ElementAt(random.Next(offlineSince.Count));
                    var (client, user, _) = _clients.Single(entry => entry.Name == name);
                    // A fresh login: the token a client that was away would bring.
                    var session = await IdentityApi.StartSessionAsync(stack, World.UsernameOf(user));
                    await client.ReconnectAsync(session.AccessToken);
                    offline[name].Add((offlineSince[name], step));
                    offlineSince.Remove(name);
                    description = $"{name} signs in again and comes back, resuming";
                    break;
                }
            }

            log.Add($"{step}: {description}");
            // A client told to reconnect is judged on completeness only from the step after it is live again.
            foreach (var (client, _, name) in _clients)
            {
                if (client.CloseErrors.Count > closesSeen[name])
                {
                    await Poll.UntilAsync(() => Task.FromResult(client.IsLive), $"{name} live again after {string.Join(" | ", client.CloseErrors)}", ReconnectPatience);
                    closesSeen[name] = client.CloseErrors.Count;
                    completeFrom[name] = step + 1;
                    log.Add($"   {name} reconnected after: {client.CloseErrors[^1]}");
                }
            }
        }

        foreach (var name in offlineSince.Keys.ToList())
        {
            var (client, user, _) = _clients.Single(entry => entry.Name == name);
            await client.ReconnectAsync((await IdentityApi.StartSessionAsync(stack, World.UsernameOf(user))).AccessToken);
            offline[name].Add((offlineSince[name], steps));
            log.Add($"end: {name} comes back, resuming");
        }
        await FenceAsync(aliceDocuments, observers, $"final {seed}");
        foreach (var (client, user, name) in _clients)
        {
            await client.WaitForAsync($"final {seed}", () => stack.Logs);
            var applied = client.Changes.Select(change => change.Text).ToHashSet(StringComparer.Ordinal);
            foreach (var text in applied.Where(text => text.StartsWith("op ", StringComparison.Ordinal)))
            {
                var step = int.Parse(text[3..], CultureInfo.InvariantCulture);
                if (!audiences[step].Contains(user))
                {
                    failures.Add($"LEAK: {name} applied \"{text}\", which {World.UsernameOf(user)} could not read at step {step}");
                }
            }
            foreach (var (step, audience) in audiences.Where(entry => entry.Key >= completeFrom[name]))
            {
                var owed = offline[name].Any(gap => step > gap.From && step < gap.To) ? readersWithoutAdmin[step] : audience;
                if (!owed.Contains(user))
                {
                    continue;
                }
                if (!applied.Contains($"op {step}"))
                {
                    failures.Add($"LOST: {name} never applied \"op {step}\", which {World.UsernameOf(user)} could read then");
                }
            }
            if (client.Reloads > 0)
            {
                failures.Add($"{name} was told to reload {client.Reloads} time(s)");
            }
        }

        failures.ShouldBeEmpty(
            $"seed {seed} (replay: ROOMCAST_MODEL_SEED={seed} ROOMCAST_MODEL_STEPS={steps}){Environment.NewLine}" +
            $"operations:{Environment.NewLine}{string.Join(Environment.NewLine, log)}{Environment.NewLine}model at the end: {model.Describe()}");
    }

    private static Operation Pick(Random random) => random.Next(100) switch
    {
        < 28 => Operation.ChangeDocument,
        < 41 => Operation.ToggleUserGrant,
        < 52 => Operation.ToggleGroupGrant,
        < 63 => Operation.ToggleMembership,
        < 70 => Operation.ToggleAdmin,
        < 84 => Operation.JoinRoot,
        < 92 => Operation.GoOffline,
        _ => Operation.ComeBack,
    };

    private string Name(Guid root, Guid second) => root == World.PlanRoot ? "the plan" : root == second ? "the model root" : root.ToString();

    private static string? TextOf(ReceivedEvent received) =>
        received.Payload.TryGetProperty("data", out var data) && data.TryGetProperty("text", out var text) ? text.GetString() : null;

    /// <summary>Waits until both instances delivered the operation's event to alice.</summary>
    private static async Task ObservedAsync(IEnumerable<EventInbox> observers, Func<ReceivedEvent, bool> match, string operation)
    {
        foreach (var observer in observers)
        {
            while (true)
            {
                try
                {
                    if (match(await observer.NextAsync()))
                    {
                        break;
                    }
                }
                catch (TimeoutException timeout)
                {
                    throw new TimeoutException($"{observer.Name} never received the event of: {operation}", timeout);
                }
            }
        }
    }

    /// <summary>documents-api applies identity's changes from its own queue: waits until it answers as the model does.</summary>
    private async Task DocumentsAgreeAsync(AccessModel model, Guid user, string operation)
    {
        using var documents = stack.DocumentsClient(await stack.LoginAsync(user));
        foreach (var root in model.Roots)
        {
            var expected = model.CanRead(user, root) ? HttpStatusCode.OK : HttpStatusCode.NotFound;
            await Poll.UntilAsync(
                async () =>
                {
                    using var response = await documents.GetAsync($"/api/v1/roots/{root}");
                    return response.StatusCode == expected;
                },
                $"documents-api answering {(int)expected} to {World.UsernameOf(user)} for root {root} after: {operation}");
        }
    }

    /// <summary>A change of the notice everyone reads, awaited by the observers (and, at the end, by every client).</summary>
    private async Task FenceAsync(ApiUser alice, IEnumerable<EventInbox> observers, string text)
    {
        (await alice.SendAsync(HttpMethod.Put, $"/api/v1/documents/{World.NoticeDocument}", new { data = new { text } })).ShouldBe(HttpStatusCode.OK);
        await ObservedAsync(observers, received => received.Name == ClientEvents.ChangedDocument && TextOf(received) == text, $"the notice changed to \"{text}\"");
        foreach (var (client, _, _) in _clients)
        {
            await client.WaitForAsync(text, () => stack.Logs);
        }
    }
}
