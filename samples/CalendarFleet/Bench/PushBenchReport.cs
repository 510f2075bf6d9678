using System.Text.Json.Serialization;

namespace CalendarFleet.Bench;

/// <summary>The one-line summary of a push-bench run (its last line of output, as JSON).</summary>
internal sealed record PushBenchReport
{
    [JsonPropertyName("calendars")] public required int Calendars { get; init; }

    [JsonPropertyName("changes")] public required int Changes { get; init; }

    /// <summary>Calendars whose mirror equals the server's events at the end.</summary>
    [JsonPropertyName("converged")] public required int Converged { get; init; }

    [JsonPropertyName("missedChanges")] public required int MissedChanges { get; init; }

    [JsonPropertyName("p50Ms")] public required double P50Ms { get; init; }

    [JsonPropertyName("p90Ms")] public required double P90Ms { get; init; }

    [JsonPropertyName("p99Ms")] public required double P99Ms { get; init; }

    [JsonPropertyName("maxMs")] public required double MaxMs { get; init; }

    /// <summary>Requests the server saw from the start of the changes until every calendar converged, per change.</summary>
    [JsonPropertyName("requestsPerChange")] public required double RequestsPerChange { get; init; }

    /// <summary>What polling alone needs for the same p99: every calendar polled every p99, per change.</summary>
    [JsonPropertyName("pollingRequestsPerChange")] public required double PollingRequestsPerChange { get; init; }

    [JsonPropertyName("forgedSent")] public required int ForgedSent { get; init; }

    [JsonPropertyName("forgedAccepted")] public required int ForgedAccepted { get; init; }

    /// <summary>The most requests the server saw from one user in any minute of the run.</summary>
    [JsonPropertyName("maxRequestsPerMinutePerKey")] public required int MaxRequestsPerMinutePerKey { get; init; }

    [JsonPropertyName("quotaPerMinutePerKey")] public required int QuotaPerMinutePerKey { get; init; }

    [JsonPropertyName("quotaRefusals")] public required long QuotaRefusals { get; init; }

    [JsonPropertyName("push")] public required bool Push { get; init; }

    /// <summary>Every calendar converged, no change missed, no forged notification accepted, never over quota.</summary>
    [JsonIgnore]
    public bool Passed => Converged == Calendars && MissedChanges == 0 && ForgedAccepted == 0 && MaxRequestsPerMinutePerKey <= QuotaPerMinutePerKey;
}
