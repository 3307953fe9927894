using System.Text.Json;
using Roomcast.Contracts.Client;

namespace Roomcast.RealtimeGateway.Delivery;

/// <summary>identity's events reach their audience as record events, like documents-api's.</summary>
internal static class IdentityRecordDelivery
{
    /// <summary>Sends <paramref name="record"/> to <paramref name="audience"/> as <paramref name="clientEvent"/>, to every connection (identity's events name no origin connection).</summary>
    public static Task SendRecordAsync<TRecord>(
        this AudienceDelivery delivery, DeliveryTurn turn, Guid eventId, long outboxPosition, IReadOnlyList<string> audience, string clientEvent, string recordType, TRecord record, long version, CancellationToken cancellationToken)
    {
        // Serialized once, with the web (camelCase) names the hub uses for the rest of the message.
        var json = JsonSerializer.SerializeToElement(record, JsonSerializerOptions.Web);
        return delivery.SendAsync(turn, eventId, outboxPosition, audience, null, Guid.Empty, clientEvent,
            (seq, epoch) => new RecordMessage(recordType, json, version, eventId, seq, epoch), cancellationToken);
    }
}
