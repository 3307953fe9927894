using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Roomcast.ServiceDefaults.Auth;
using Roomcast.ServiceDefaults.Problems;

namespace Roomcast.ServiceDefaults.Messaging.DeadLetters;

/// <summary>
/// The error queues of the service's consumers, for admins, under <see cref="Path"/>: <c>GET</c> lists them,
/// <c>GET {messageId}</c> shows one message with its body and stack trace, <c>POST redrive</c> moves messages
/// back to their consumer queue and <c>POST purge</c> drops them; both take <c>queue</c> and any number of
/// <c>messageId</c>s (none: every message) and say what they did.
/// </summary>
public static class DeadLetterEndpoints
{
    public const string Path = "/api/v1/admin/dead-letters";
    private const int DefaultLimit = 100;

    public static IEndpointRouteBuilder MapDeadLetters(this IEndpointRouteBuilder app, string service)
    {
        var letters = app.MapGroup(Path).RequireAdmin("manage dead letters");
        letters.MapGet("/", (int? limit, DeadLetterBroker broker, CancellationToken cancellationToken) => ListAsync(service, limit, broker, cancellationToken));
        letters.MapGet("/{messageId}", (Guid messageId, DeadLetterBroker broker, CancellationToken cancellationToken) => ShowAsync(messageId, broker, cancellationToken));
        letters.MapPost("/redrive", ([FromQuery] string? queue, [FromQuery] Guid[]? messageId, DeadLetterBroker broker, CancellationToken cancellationToken) =>
            MoveAsync(service, queue, messageId, redrive: true, broker, cancellationToken));
        letters.MapPost("/purge", ([FromQuery] string? queue, [FromQuery] Guid[]? messageId, DeadLetterBroker broker, CancellationToken cancellationToken) =>
            MoveAsync(service, queue, messageId, redrive: false, broker, cancellationToken));
        return app;
    }

    private static async Task<Results<Ok<DeadLetterReport>, ProblemHttpResult>> ListAsync(
        string service, int? limit, DeadLetterBroker broker, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > DeadLetterBroker.MaxPerCall)
        {
            return Http.Problems.Invalid("limit", $"Between 1 and {DeadLetterBroker.MaxPerCall}.");
        }

        return TypedResults.Ok(new DeadLetterReport(service, await broker.PeekAsync(limit ?? DefaultLimit, withMessage: false, cancellationToken)));
    }

    private static async Task<Results<Ok<DeadLetter>, ProblemHttpResult>> ShowAsync(Guid messageId, DeadLetterBroker broker, CancellationToken cancellationToken)
    {
        var queues = await broker.PeekAsync(DeadLetterBroker.MaxPerCall, withMessage: true, cancellationToken);
        return queues.SelectMany(queue => queue.Messages).FirstOrDefault(letter => letter.MessageId == messageId) is { } found
            ? TypedResults.Ok(found)
            : Http.Problems.Of(StatusCodes.Status404NotFound, ProblemTypes.NotFound, $"No message {messageId} in an error queue of this service.");
    }

    private static async Task<Results<Ok<DeadLetterOutcome>, ProblemHttpResult>> MoveAsync(
        string service, string? queue, Guid[]? messageIds, bool redrive, DeadLetterBroker broker, CancellationToken cancellationToken)
    {
        if (queue is not null && broker.Queues.All(candidate => candidate.Name != queue))
        {
            return Http.Problems.Invalid("queue", $"Not a consumer queue of {service}: {string.Join(", ", broker.Queues.Select(candidate => candidate.Name))}.");
        }

        var wanted = messageIds is { Length: > 0 } ? messageIds.ToHashSet() : null;
        var moved = await broker.MoveAsync(
            queue, letter => wanted is null || (letter.MessageId is { } id && wanted.Contains(id)), redrive, cancellationToken);
        var notFound = wanted is null ? [] : wanted.Except(moved.Select(letter => letter.MessageId ?? Guid.Empty)).ToList();
        return TypedResults.Ok(new DeadLetterOutcome(service, redrive ? "redrive" : "purge", moved, notFound));
    }
}
