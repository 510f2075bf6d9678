using System.Text.Json.Serialization;

namespace CalendarFleet.Chaos;

/// <summary>The one-line summary of a chaos run (its last line of output, as JSON).</summary>
internal sealed record FleetReport(
    [property: JsonPropertyName("calendars")] int Calendars,
    [property: JsonPropertyName("converged")] int Converged,
    [property: JsonPropertyName("passes")] int Passes,
    [property: JsonPropertyName("overlaps")] int Overlaps,
    [property: JsonPropertyName("staleCommitsRefused")] long StaleCommitsRefused,
    [property: JsonPropertyName("tokenRegressions")] int TokenRegressions)
{
    /// <summary>Every calendar converged, no two passes of one calendar interleaved, no token went back.</summary>
    [JsonIgnore]
    public bool Passed => Converged == Calendars && Overlaps == 0 && TokenRegressions == 0;
}
