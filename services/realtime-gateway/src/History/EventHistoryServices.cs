namespace Roomcast.RealtimeGateway.History;

internal static class EventHistoryServices
{
    public static void AddEventHistory(this WebApplicationBuilder builder, bool backplane)
    {
        _ = builder;
        _ = backplane;
    }
}
