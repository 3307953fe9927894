using System.Text.Json;

namespace Roomcast.Outbox;

/// <summary>The integration events a service may put in its outbox, by their stored type name.</summary>
public sealed class OutboxEventTypes
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly Dictionary<string, Type> _byName = new(StringComparer.Ordinal);

    /// <summary>Allows <typeparamref name="TEvent"/> in the outbox, stored under its type name.</summary>
    public OutboxEventTypes Add<TEvent>()
        where TEvent : class
    {
        _byName[typeof(TEvent).Name] = typeof(TEvent);
        return this;
    }

    public string NameOf(Type eventType) =>
        _byName.TryGetValue(eventType.Name, out var type) && type == eventType
            ? eventType.Name
            : throw new InvalidOperationException($"{eventType.Name} is not an outbox event type of this service.");

    public Type TypeOf(string name) =>
        _byName.TryGetValue(name, out var type) ? type : throw new InvalidOperationException($"Unknown outbox event type '{name}'.");
}
