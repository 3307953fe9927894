using MassTransit;
using Roomcast.Contracts.Events;

namespace Roomcast.Contracts.Events.Identity;

/// <summary>A student group was created.</summary>
[MessageUrn("roomcast:events:student-group-created")]
[EntityName("roomcast.student-group-created")]
public sealed record StudentGroupCreated(Guid EventId, DateTimeOffset OccurredAt, Guid GroupId, string Name, long Version, Guid ActorId, IReadOnlyList<string> Audience, long Seq = 0)
{
    public IReadOnlyList<string> Audience { get; } = EventAudience.Checked(EventId, ActorId, Audience);
}
