using System.Net;
using System.Text.Json;
using Npgsql;
using Roomcast.EndToEndTests.Identity;
using Roomcast.EndToEndTests.Infrastructure;
using Shouldly;
using Xunit;

namespace Roomcast.EndToEndTests.DocumentsApi;

/// <summary>
/// documents-api with small limits: per user, 12 writes and 256 KiB of request bodies per 10 minutes
/// (long enough that no window ends during a test), 2 requests at once and 2 waiting; for the whole
/// service, 4 at once and 4 waiting.
/// </summary>
public sealed class LimitedDocumentsStack : RoomcastStack
{
    public const int WriteRateLimit = 12;
    public const int WriteBytesLimit = 256 * 1024;
    public const int MaxRequestBodyBytes = 64 * 1024;
    public const int MaxConcurrentRequestsPerUser = 2;
    public const int UserRequestQueueLimit = 2;
    public static readonly TimeSpan WriteRateWindow = TimeSpan.FromMinutes(10);

    protected override Dictionary<string, string> DocumentsSettings => new()
    {
        ["Documents__WriteRateLimit"] = WriteRateLimit.ToString(),
        ["Documents__WriteBytesLimit"] = WriteBytesLimit.ToString(),
        ["Documents__WriteRateWindow"] = WriteRateWindow.ToString("c"),
        ["Documents__MaxRequestBodyBytes"] = MaxRequestBodyBytes.ToString(),
        ["Documents__MaxConcurrentRequests"] = "4",
        ["Documents__RequestQueueLimit"] = "4",
        ["Documents__MaxConcurrentRequestsPerUser"] = MaxConcurrentRequestsPerUser.ToString(),
        ["Documents__UserRequestQueueLimit"] = UserRequestQueueLimit.ToString(),
        // The flood test holds the session check at the database: no remembered caller may answer it.
        ["Documents__CallerCacheMaxAge"] = "00:00:00",
    };
}

/// <summary>
/// One user cannot load everyone (services/documents-api/README.md, "Limits"): a user over their
/// write or byte quota, or with too many requests in progress, is told to wait (429 with Retry-After),
/// while another user's requests go through. Every test signs up users of its own, so the quotas of
/// one test never meet another's.
/// </summary>
public sealed class RequestLimitsTests(LimitedDocumentsStack stack) : IClassFixture<LimitedDocumentsStack>
{
    [Fact]
    public async Task AWriterOverTheWriteLimitIsToldToWaitWhileAnotherUsersWritesGoThrough()
    {
        using var heavy = await SignUpAsync("heavy");
        using var other = await SignUpAsync("other");
        var (_, document) = await RootWithDocumentAsync(heavy);
        for (var write = 3; write <= LimitedDocumentsStack.WriteRateLimit; write++)
        {
            (await heavy.PutAsync($"/api/v1/documents/{document}", new { data = new { write } })).ShouldBe(HttpStatusCode.OK);
        }

        var refused = await heavy.PutAsync($"/api/v1/documents/{document}", new { data = new { write = "one too many" } });

        ShouldBeToldToWait(refused, (int)LimitedDocumentsStack.WriteRateWindow.TotalSeconds);
        (await heavy.PostAsync("/api/v1/roots", new { name = "one more" })).ShouldBeProblem(HttpStatusCode.TooManyRequests, "too-many-requests");
        (await heavy.GetAsync($"/api/v1/documents/{document}")).ShouldBe(HttpStatusCode.OK, "reads are not writes")
            .GetProperty("data").GetProperty("write").GetInt32().ShouldBe(LimitedDocumentsStack.WriteRateLimit);
        var (_, othersDocument) = await RootWithDocumentAsync(other);
        (await other.PutAsync($"/api/v1/documents/{othersDocument}", new { data = new { text = "mine" } })).ShouldBe(HttpStatusCode.OK, "another user's quota is their own");
    }

    [Fact]
    public async Task AWriterOverTheByteLimitIsToldToWaitWhileSmallerWritesAndOtherUsersGoThrough()
    {
        using var heavy = await SignUpAsync("bulky");
        using var other = await SignUpAsync("other");
        var (_, document) = await RootWithDocumentAsync(heavy);
        var large = new { data = new { text = new string('x', 60 * 1024) } };
        for (var write = 1; write <= 4; write++)
        {
            (await heavy.PutAsync($"/api/v1/documents/{document}", large)).ShouldBe(HttpStatusCode.OK, $"large write {write} of 4, 240 KiB in all");
        }

        var refused = await heavy.PutAsync($"/api/v1/documents/{document}", large);

        ShouldBeToldToWait(refused, (int)LimitedDocumentsStack.WriteRateWindow.TotalSeconds);
        (await heavy.PutAsync($"/api/v1/documents/{document}", new { data = new { text = "small" } })).ShouldBe(HttpStatusCode.OK, "a small write still fits in what is left of the bytes");
        var (_, othersDocument) = await RootWithDocumentAsync(other);
        (await other.PutAsync($"/api/v1/documents/{othersDocument}", large)).ShouldBe(HttpStatusCode.OK, "another user's bytes are their own");
    }

    [Fact]
    public async Task OneUsersSlowRequestsDoNotHoldUpAnotherUsers()
    {
        using var heavy = await SignUpAsync("slow");
        using var other = await SignUpAsync("other");
        var (_, document) = await RootWithDocumentAsync(heavy);
        var (_, othersDocument) = await RootWithDocumentAsync(other);

        // heavy's updates wait for this lock on their document: as many as heavy may run at once hold a
        // request slot of the service each until it is released.
        await using var holder = new NpgsqlConnection(stack.DocumentsDatabase);
        await holder.OpenAsync();
        await using var transaction = await holder.BeginTransactionAsync();
        await using (var lockDocument = new NpgsqlCommand("SELECT id FROM documents WHERE id = @document FOR UPDATE", holder))
        {
            lockDocument.Parameters.AddWithValue("document", document);
            await lockDocument.ExecuteNonQueryAsync();
        }

        var slow = Enumerable.Range(0, 8)
            .Select(n => heavy.PutAsync($"/api/v1/documents/{document}", new { data = new { n } }))
            .ToList();
        await Poll.UntilAsync(async () => await WaitingForLocksAsync() >= LimitedDocumentsStack.MaxConcurrentRequestsPerUser,
            $"{LimitedDocumentsStack.MaxConcurrentRequestsPerUser} of heavy's updates waiting for the lock on their document");

        (await other.PutAsync($"/api/v1/documents/{othersDocument}", new { data = new { text = "not held up" } }))
            .ShouldBe(HttpStatusCode.OK, "heavy's slow requests held up another user's write");
        (await other.GetAsync($"/api/v1/documents/{othersDocument}")).ShouldBe(HttpStatusCode.OK, "heavy's slow requests held up another user's read");

        var beyond = 8 - LimitedDocumentsStack.MaxConcurrentRequestsPerUser - LimitedDocumentsStack.UserRequestQueueLimit;
        await Poll.UntilAsync(() => Task.FromResult(slow.Count(answer => answer.IsCompleted) >= beyond),
            $"{beyond} of heavy's 8 updates refused at once (2 run, 2 wait)");
        var answeredAtOnce = slow.Where(answer => answer.IsCompleted).ToList();
        answeredAtOnce.Count.ShouldBe(beyond, string.Join(Environment.NewLine, answeredAtOnce.Select(answer => answer.Result.Describe())));
        foreach (var answer in answeredAtOnce)
        {
            ShouldBeToldToWait(await answer, 1);
        }

        await transaction.CommitAsync();
        foreach (var answer in slow.Except(answeredAtOnce))
        {
            (await answer).ShouldBe(HttpStatusCode.OK, "an update that waited its turn");
        }
    }

    [Fact]
    public async Task AFloodOfOneUsersRequestsIsRefusedBeforeEachCostsADatabaseRoundTrip()
    {
        using var heavy = await SignUpAsync("flood");
        var (root, _) = await RootWithDocumentAsync(heavy);

        // Every check of a caller's session and role in the projection waits for this lock: the
        // requests that reach that check hold a database connection each until it is released.
        await using var holder = new NpgsqlConnection(stack.DocumentsDatabase);
        await holder.OpenAsync();
        await using var transaction = await holder.BeginTransactionAsync();
        await using (var lockSessions = new NpgsqlCommand("LOCK TABLE session_epochs IN ACCESS EXCLUSIVE MODE", holder, transaction))
        {
            await lockSessions.ExecuteNonQueryAsync();
        }

        var flood = Enumerable.Range(0, 8).Select(_ => heavy.GetAsync($"/api/v1/roots/{root}")).ToList();
        var beyond = 8 - LimitedDocumentsStack.MaxConcurrentRequestsPerUser - LimitedDocumentsStack.UserRequestQueueLimit;
        await Poll.UntilAsync(() => Task.FromResult(flood.Count(answer => answer.IsCompleted) >= beyond),
            $"{beyond} of the flood's 8 reads refused while the session check waits (2 run, 2 wait)");
        var answeredAtOnce = flood.Where(answer => answer.IsCompleted).ToList();
        answeredAtOnce.Count.ShouldBe(beyond, string.Join(Environment.NewLine, answeredAtOnce.Select(answer => answer.Result.Describe())));
        foreach (var answer in answeredAtOnce)
        {
            ShouldBeToldToWait(await answer, 1);
        }

        (await WaitingForLocksAsync()).ShouldBeLessThanOrEqualTo(LimitedDocumentsStack.MaxConcurrentRequestsPerUser,
            "only the requests the limits let run may ask the database about the caller's session");

        await transaction.CommitAsync();
        foreach (var answer in flood.Except(answeredAtOnce))
        {
            (await answer).ShouldBe(HttpStatusCode.OK, "a read that waited its turn");
        }
    }

    private static void ShouldBeToldToWait(Answer answer, int longestWaitSeconds)
    {
        answer.ShouldBeProblem(HttpStatusCode.TooManyRequests, "too-many-requests");
        answer.RetryAfter.ShouldNotBeNull(answer.Describe());
        int.TryParse(answer.RetryAfter, out var seconds).ShouldBeTrue($"Retry-After must be a number of seconds: {answer.Describe()}");
        seconds.ShouldBeInRange(1, longestWaitSeconds, answer.Describe());
    }

    /// <summary>A new account, registered by the demo admin, signed in to documents-api.</summary>
    private async Task<ServiceClient> SignUpAsync(string prefix)
    {
        using var admin = await IdentityApi.SignInAsync(stack, stack.World.Alice);
        var username = IdentityApi.FreshName(prefix);
        await admin.RegisterAsync(username);
        return await IdentityApi.DocumentsAsAsync(stack, username);
    }

    /// <summary>Two writes: a root of the user's own and a document in it.</summary>
    private static async Task<(Guid Root, Guid Document)> RootWithDocumentAsync(ServiceClient user)
    {
        var root = IdOf((await user.PostAsync("/api/v1/roots", new { name = "Mine" })).ShouldBe(HttpStatusCode.Created));
        var document = IdOf((await user.PostAsync($"/api/v1/roots/{root}/documents", new { type = "note", data = new { text = "v1" } })).ShouldBe(HttpStatusCode.Created));
        return (root, document);
    }

    private static Guid IdOf(JsonElement record) => record.GetProperty("id").GetGuid();

    /// <summary>
    /// How many backends of documents-api's database wait for a lock (asked on a connection of its own:
    /// pg_stat_activity is a snapshot per transaction). Not "blocked by the holder": the second writer
    /// of a locked row waits behind the first one.
    /// </summary>
    private async Task<long> WaitingForLocksAsync()
    {
        await using var connection = new NpgsqlConnection(stack.DocumentsDatabase);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
