using System;
using SyncGen.Testing.FakeServer;

namespace SyncGen.Testing.Scenarios;

/// <summary>
/// The one translation of a scenario's fault plans into the fault vocabulary of the servers (<see cref="Fault"/>,
/// <see cref="FaultRule"/>), and the one arming logic (<see cref="FaultQueue"/>): the embedded servers arm it per call, the
/// simulator arms the same queue, so "the next N matching requests after Skip" means the same everywhere.
/// </summary>
internal static class ScenarioFaults
{
    /// <summary>The server fault a scenario fault stands for.</summary>
    public static Fault ToFault(ScenarioFault fault) => fault.Kind switch
    {
        FaultKind.Status => Fault.Status(fault.StatusCode, fault.Reason, retryAfter: fault.RetryAfterSeconds is { } s ? TimeSpan.FromSeconds(s) : null),
        FaultKind.Abort => Fault.Abort(),
        FaultKind.Delay => Fault.Delay(TimeSpan.FromMilliseconds(fault.DelayMilliseconds)),
        FaultKind.MalformedJson => Fault.MalformedJson(),
        FaultKind.TruncatedBody => Fault.TruncatedBody(0.5, honestContentLength: true),
        FaultKind.NoTokens => Fault.NoTokens(),
        FaultKind.PageTokenLoop => Fault.PageTokenLoop(),
        FaultKind.DuplicateItems => Fault.DuplicateItems(),
        FaultKind.ShortPage => Fault.ShortPage(fault.ItemCount),
        FaultKind.RawResponse => Fault.Raw(fault.StatusCode, fault.ContentType, fault.Body!, fault.RetryAfterSeconds is { } raw ? TimeSpan.FromSeconds(raw) : null),
        _ => throw new ArgumentOutOfRangeException(nameof(fault), fault.Kind, "Unknown fault."),
    };

    /// <summary>The rule that arms <paramref name="fault"/> as <paramref name="plan"/> says (pass kind, page, skip, times).</summary>
    public static FaultRule ToRule(FaultPlan plan, Fault fault)
    {
        var page = plan.Page;
        return new FaultRule(fault)
        {
            WithSyncToken = plan.Incremental,
            When = page is { } p ? r => r.PageNumber == p : null,
            Skip = plan.Skip,
            Times = plan.Times,
        };
    }

    /// <summary>Arms every plan of a call on a queue (after disarming what was left).</summary>
    public static void Arm(FaultQueue queue, System.Collections.Generic.IEnumerable<FaultPlan> plans)
    {
        queue.Clear();
        foreach (var plan in plans)
        {
            queue.Enqueue(ToRule(plan, ToFault(plan.Fault)));
        }
    }
}
