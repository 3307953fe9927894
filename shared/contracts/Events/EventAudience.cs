using Roomcast.Contracts.Rooms;

namespace Roomcast.Contracts.Events;

/// <summary>Validation shared by every event that carries an audience.</summary>
internal static class EventAudience
{
    /// <summary>Validates and returns the audience, for events written as positional records.</summary>
    public static IReadOnlyList<string> Checked(Guid eventId, Guid actorId, IReadOnlyList<string> audience)
    {
        Validate(eventId, actorId, audience);
        return audience;
    }

    public static void Validate(Guid eventId, Guid actorId, IReadOnlyList<string> audience)
    {
        if (eventId == Guid.Empty)
        {
            throw new ArgumentException("An event needs an id.", nameof(eventId));
        }

        if (actorId == Guid.Empty)
        {
            throw new ArgumentException("An event needs its actor.", nameof(actorId));
        }

        ArgumentNullException.ThrowIfNull(audience);
        foreach (var room in audience)
        {
            // Throws on anything outside the room grammar: an event never names a room nobody can join.
            RoomName.Parse(room);
        }
    }
}
