namespace Roomcast.Contracts.Events;

/// <summary>Names one record: its type and id.</summary>
public sealed record RecordRef(string Type, Guid Id);
