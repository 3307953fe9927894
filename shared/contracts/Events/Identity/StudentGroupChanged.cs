using MassTransit;
using Roomcast.Contracts.Events;

namespace Roomcast.Contracts.Events.Identity;

/// <summary>A student group was renamed.</summary>
[MessageUrn("roomcast:events:student-group-changed")]
[EntityName("roomcast.student-group-changed")]
public sealed record StudentGroupChanged(Guid EventId, DateTimeOffset OccurredAt, Guid GroupId, string Name, long Version, Guid ActorId, IReadOnlyList<string> Audience, long Seq = 0)
{
    public IReadOnlyList<string> Audience { get; } = EventAudience.Checked(EventId, ActorId, Audience);
}
