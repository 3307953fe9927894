namespace Roomcast.RealtimeGateway.Presence;

internal static class PresenceServices
{
    public static void AddPresence(this WebApplicationBuilder builder, bool backplane)
    {
        _ = builder;
        _ = backplane;
    }
}
