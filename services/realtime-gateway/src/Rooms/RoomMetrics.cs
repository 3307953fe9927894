using System.Diagnostics.Metrics;

namespace Roomcast.RealtimeGateway.Rooms;

/// <summary>This instance's connections and rooms as gauges, on meter <see cref="MeterName"/>.</summary>
public static class RoomMetrics
{
    public const string MeterName = "Roomcast.RealtimeGateway.Rooms";

    /// <summary>Observes <paramref name="rooms"/>; returns it.</summary>
    public static LocalRooms Observe(LocalRooms rooms, IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge("roomcast.gateway.connections", () => rooms.ConnectionCount, "{connection}", "Connections this instance holds");
        meter.CreateObservableGauge("roomcast.gateway.rooms", () => rooms.RoomCount, "{room}", "Rooms with at least one connection on this instance");
        return rooms;
    }
}
