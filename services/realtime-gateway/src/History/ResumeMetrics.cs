using System.Diagnostics.Metrics;
using Roomcast.Contracts.Client;

namespace Roomcast.RealtimeGateway.History;

/// <summary>How <c>Resume</c> calls were answered, on meter <see cref="MeterName"/>: a rise in reloads says clients lose their place.</summary>
public sealed class ResumeMetrics
{
    public const string MeterName = "Roomcast.RealtimeGateway.History";

    private readonly Counter<long> _resumes;

    public ResumeMetrics(IMeterFactory meters) =>
        _resumes = meters.Create(MeterName).CreateCounter<long>(
            "roomcast.gateway.resumes", "{call}", "Resume calls by outcome: resumed, reload (by reason) or unavailable (the history could not be reached)");

    public void Answered(ResumeResult result) => Add(result.Reload ? "reload" : "resumed", result.Reload ? ReasonName(result.Reason) : null);

    public void Unavailable() => Add("unavailable", null);

    private void Add(string outcome, string? reason) => _resumes.Add(1,
        new KeyValuePair<string, object?>("outcome", outcome), new KeyValuePair<string, object?>("reason", reason ?? ""));

    /// <summary>A short label for each of <see cref="ResumeRules"/>' reasons, which are sentences for clients.</summary>
    private static string ReasonName(string? reason) => reason switch
    {
        ResumeRules.AheadOfHistory => "ahead_of_history",
        ResumeRules.BeyondHistory => "beyond_history",
        ResumeRules.TooManyMissed => "too_many_missed",
        ResumeRules.OtherEpoch => "other_epoch",
        _ => "other",
    };
}
