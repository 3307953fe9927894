namespace Roomcast.RealtimeGateway.Access;

internal static class AccessServices
{
    public static void AddRoomAccess(this WebApplicationBuilder builder, bool backplane)
    {
        _ = builder;
        _ = backplane;
    }
}
