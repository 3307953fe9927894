namespace Roomcast.Outbox.EventLog;

/// <summary>
/// The filters of an event-log listing, from the query string. Positions are exclusive bounds
/// (<see cref="AfterPosition"/> &lt; position &lt; <see cref="BeforePosition"/>); times bound the commit
/// time, <see cref="From"/> inclusive and <see cref="To"/> exclusive. <see cref="Room"/> keeps the
/// events whose audience names that room; <see cref="Actor"/> those the user made.
/// </summary>
public sealed record EventLogQuery(
    long? AfterPosition,
    long? BeforePosition,
    DateTimeOffset? From,
    DateTimeOffset? To,
    string? EventType,
    string? RecordType,
    Guid? RecordId,
    Guid? Actor,
    string? Room,
    int? Limit,
    bool? Payload)
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1_000;

    /// <summary>The invalid values, by query parameter; empty when the query can run.</summary>
    public Dictionary<string, string[]> Errors()
    {
        var errors = new Dictionary<string, string[]>();
        if (Limit is < 1 or > MaxLimit)
        {
            errors["limit"] = [$"Between 1 and {MaxLimit}."];
        }

        if (AfterPosition is < 0)
        {
            errors["afterPosition"] = ["At least 0."];
        }

        if (BeforePosition is { } before && before <= (AfterPosition ?? 0))
        {
            errors["beforePosition"] = ["Above afterPosition (and above 0)."];
        }

        if (From is { } from && To is { } to && to <= from)
        {
            errors["to"] = ["After from."];
        }

        return errors;
    }
}
