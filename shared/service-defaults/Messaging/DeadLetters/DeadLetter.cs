using System.Text.Json;

namespace Roomcast.ServiceDefaults.Messaging.DeadLetters;

/// <summary>
/// A message MassTransit moved to <c>{queue}_error</c> after its retries: the consumer queue it came
/// from, its message id (an integration event's id: the outbox publishes under it) and the event id its
/// body names, its type, and why it failed (MassTransit's <c>MT-Fault-*</c> headers). <see cref="Message"/>
/// and <see cref="StackTrace"/> are given when one message is shown.
/// </summary>
public sealed record DeadLetter(
    string Queue,
    Guid? MessageId,
    Guid? EventId,
    string? MessageType,
    DateTimeOffset? FaultedAt,
    string? ExceptionType,
    string? Reason,
    string? StackTrace,
    JsonElement? Message);

/// <summary>One consumer queue's error queue: how many messages wait in it, and the first of them.</summary>
public sealed record DeadLetterQueue(string Queue, string ErrorQueue, long Count, IReadOnlyList<DeadLetter> Messages);

/// <summary>The dead letters of every consumer queue of <see cref="Service"/>.</summary>
public sealed record DeadLetterReport(string Service, IReadOnlyList<DeadLetterQueue> Queues);

/// <summary>
/// What a redrive or a purge did: the messages it moved back to their queue (or dropped), and the
/// message ids asked for that no error queue holds (redriven or purged already, or never dead-lettered).
/// </summary>
public sealed record DeadLetterOutcome(string Service, string Action, IReadOnlyList<DeadLetter> Done, IReadOnlyList<Guid> NotFound);
