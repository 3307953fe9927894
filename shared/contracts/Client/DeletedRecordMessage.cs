using Roomcast.Contracts.Events;

namespace Roomcast.Contracts.Client;

/// <summary>The payload of <see cref="ClientEvents.DeletedRecord"/>: the record and everything deleted with it.</summary>
public sealed record DeletedRecordMessage(string Type, Guid Id, IReadOnlyList<RecordRef> Cascade, Guid EventId, long Seq, string Epoch);
