using System.Text.Json;

namespace Roomcast.Contracts.Client;

/// <summary>The payload of <see cref="ClientEvents.ChangedDocument"/> as a client receives it.</summary>
public sealed record ChangedDocumentMessage(Guid Id, JsonElement Data, DateTimeOffset UpdatedAt, long Version, Guid EventId, long Seq, string Epoch);
