using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Roomcast.ServiceDefaults.Auth;
using Roomcast.ServiceDefaults.Http;
using Roomcast.ServiceDefaults.Problems;

namespace Roomcast.Outbox.EventLog;

/// <summary>
/// The service's event log for admins, under <see cref="Path"/>: <c>GET events</c> lists it in position
/// order with filters and paging, <c>GET events/{eventId}</c> shows one event with its payload, and
/// <c>POST copies</c> copies events, in the order given, into a RabbitMQ queue for a consumer being debugged.
/// </summary>
public static class EventLogEndpoints
{
    public const string Path = "/api/v1/admin/event-log";

    /// <summary>Maps the event log of the service called <paramref name="service"/> (the name its entries carry).</summary>
    public static IEndpointRouteBuilder MapEventLog(this IEndpointRouteBuilder app, string service)
    {
        var log = app.MapGroup(Path).RequireAdmin("read the event log");
        log.MapGet("/events", ([AsParameters] EventLogQuery query, EventLogStore store, CancellationToken cancellationToken) =>
            ListAsync(service, query, store, cancellationToken));
        log.MapGet("/events/{eventId}", (Guid eventId, EventLogStore store, CancellationToken cancellationToken) =>
            ShowAsync(service, eventId, store, cancellationToken));
        log.MapPost("/copies", CopyAsync);
        return app;
    }

    private const int MaxCopies = 1_000;

    private static async Task<Results<Ok<CopyOutcome>, ProblemHttpResult>> CopyAsync(
        HttpRequest request, EventCopies copies, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync<CopyRequest>(request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (string.IsNullOrWhiteSpace(body!.Queue) || EventCopies.ServiceQueuePrefixes.Any(prefix => body.Queue.StartsWith(prefix, StringComparison.Ordinal)))
        {
            return Problems.Invalid("queue", $"A queue of your own, declared by the consumer being debugged; not one of Roomcast's ({string.Join(", ", EventCopies.ServiceQueuePrefixes.Select(prefix => prefix + "*"))}).");
        }

        if (body.EventIds is null || body.EventIds.Count is 0 or > MaxCopies)
        {
            return Problems.Invalid("eventIds", $"From 1 to {MaxCopies} event ids.");
        }

        var outcome = await copies.CopyAsync(body.Queue, body.EventIds, cancellationToken);
        return outcome.QueueMissing
            ? Problems.Invalid("queue", $"No queue {body.Queue} in this broker's virtual host: declare it first.")
            : TypedResults.Ok(outcome);
    }

    private static async Task<Results<Ok<EventLogPage>, ProblemHttpResult>> ListAsync(
        string service, EventLogQuery query, EventLogStore store, CancellationToken cancellationToken)
    {
        var errors = query.Errors();
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        return TypedResults.Ok(await store.ListAsync(service, query, cancellationToken));
    }

    private static async Task<Results<Ok<EventLogEntry>, ProblemHttpResult>> ShowAsync(
        string service, Guid eventId, EventLogStore store, CancellationToken cancellationToken) =>
        await store.FindAsync(service, eventId, cancellationToken) is { } entry
            ? TypedResults.Ok(entry)
            : Problems.Of(StatusCodes.Status404NotFound, ProblemTypes.NotFound, $"No event {eventId} in the {service} event log (never written, or past its retention).");
}
