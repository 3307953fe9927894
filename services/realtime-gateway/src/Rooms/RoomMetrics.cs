using System.Diagnostics.Metrics;

namespace Roomcast.RealtimeGateway.Rooms;

/// <summary>
/// How many rooms this instance serves, as a gauge on meter <see cref="MeterName"/> (its connections are
/// ASP.NET Core's <c>signalr.server.active_connections</c>).
/// </summary>
public static class RoomMetrics
{
    public const string MeterName = "Roomcast.RealtimeGateway.Rooms";

    /// <summary>Observes <paramref name="rooms"/>; returns it.</summary>
    public static LocalRooms Observe(LocalRooms rooms, IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge("roomcast.gateway.rooms", () => rooms.RoomCount, "{room}", "Rooms with at least one connection on this instance");
        return rooms;
    }
}
