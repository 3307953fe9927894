using System.Text.Json;
using Roomcast.Contracts.Events;

namespace Roomcast.DocumentsApi.Outbox;

/// <summary>The integration events this service may put in its outbox, by their stored type name.</summary>
public sealed class OutboxEventTypes
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly Dictionary<string, Type> _byName = new(StringComparer.Ordinal)
    {
        [nameof(DocumentChanged)] = typeof(DocumentChanged),
        [nameof(RecordCreated)] = typeof(RecordCreated),
        [nameof(RecordChanged)] = typeof(RecordChanged),
        [nameof(RecordDeleted)] = typeof(RecordDeleted),
    };

    public string NameOf(Type eventType) =>
        _byName.FirstOrDefault(pair => pair.Value == eventType).Key
        ?? throw new InvalidOperationException($"{eventType.Name} is not an outbox event type.");

    public Type TypeOf(string name) =>
        _byName.TryGetValue(name, out var type) ? type : throw new InvalidOperationException($"Unknown outbox event type '{name}'.");
}
