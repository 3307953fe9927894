using System.Text.Json;

namespace Roomcast.Outbox;

/// <summary>The integration events a service may put in its outbox, by their stored type name.</summary>
public sealed class OutboxEventTypes
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly Dictionary<string, Type> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _recordTypes = new(StringComparer.Ordinal);

    /// <summary>
    /// Allows <typeparamref name="TEvent"/> in the outbox, stored under its type name. <paramref name="recordType"/>
    /// names the type of record its <c>record_id</c> is, for the event log, when its payload does not say
    /// (as <c>recordType</c>).
    /// </summary>
    public OutboxEventTypes Add<TEvent>(string? recordType = null)
        where TEvent : class
    {
        _byName[typeof(TEvent).Name] = typeof(TEvent);
        if (recordType is not null)
        {
            _recordTypes[typeof(TEvent).Name] = recordType;
        }

        return this;
    }

    /// <summary>The record type declared for event type <paramref name="name"/>, if any.</summary>
    public string? RecordTypeOf(string name) => _recordTypes.GetValueOrDefault(name);

    /// <summary>The event types declared as being about records of <paramref name="recordType"/>.</summary>
    public string[] EventTypesAbout(string recordType) =>
        [.. _recordTypes.Where(pair => pair.Value == recordType).Select(pair => pair.Key)];

    public string NameOf(Type eventType) =>
        _byName.TryGetValue(eventType.Name, out var type) && type == eventType
            ? eventType.Name
            : throw new InvalidOperationException($"{eventType.Name} is not an outbox event type of this service.");

    public Type TypeOf(string name) =>
        _byName.TryGetValue(name, out var type) ? type : throw new InvalidOperationException($"Unknown outbox event type '{name}'.");
}
