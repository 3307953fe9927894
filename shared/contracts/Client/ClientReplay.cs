namespace Roomcast.Contracts.Client;

/// <summary>
/// An admin's replay: a copy of an event sent again to one connection or user for debugging, outside
/// the numbering. It arrives as its client event with the payload the gateways sent live (its
/// <c>seq</c> and <c>epoch</c> included) and <see cref="Field"/> set to <c>true</c>; a live or resumed
/// event never carries the field. A client must never take a replay's position as its resume position,
/// nor dedupe or order by it.
/// </summary>
public static class ClientReplay
{
    public const string Field = "replay";
}
