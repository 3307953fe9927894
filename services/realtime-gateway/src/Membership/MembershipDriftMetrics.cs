using System.Diagnostics.Metrics;

namespace Roomcast.RealtimeGateway.Membership;

/// <summary>The drift counter, on meter <see cref="MeterName"/>: what identity's snapshots corrected in the gateway's membership projection.</summary>
public sealed class MembershipDriftMetrics
{
    public const string MeterName = "Roomcast.RealtimeGateway.Membership";
    private const string Service = "realtime-gateway";
    private readonly Counter<long> _drift;

    public MembershipDriftMetrics(IMeterFactory meters) =>
        _drift = meters.Create(MeterName).CreateCounter<long>(
            "roomcast.membership.drift", "{correction}", "Memberships added or removed, and groups deleted, by a snapshot of identity's memberships because the copy had drifted");

    /// <summary><paramref name="change"/>: <c>added</c>, <c>removed</c> or <c>group-deleted</c>.</summary>
    public void Corrected(string change, int count)
    {
        if (count > 0)
        {
            _drift.Add(count, new KeyValuePair<string, object?>("service", Service), new KeyValuePair<string, object?>("change", change));
        }
    }
}
