using System.Text.Json;

namespace Roomcast.Contracts.Client;

/// <summary>The payload of <see cref="ClientEvents.NewRecord"/> and <see cref="ClientEvents.ChangedRecord"/>.</summary>
public sealed record RecordMessage(string Type, JsonElement Record, long Version, Guid EventId, long Seq, string Epoch);
