using System;

namespace SyncGen.Testing.Push;

/// <summary>
/// A named way for a provider to mistreat notifications: the <see cref="PushFaults"/> to set, whether channels are
/// ended under the client's feet, and how many forged notifications go beside each real one.
/// </summary>
/// <param name="Name">The scenario's name.</param>
/// <param name="Description">What happens, and what a correct client does about it.</param>
public sealed record PushScenario(string Name, string Description)
{
    /// <summary>The share of notifications dropped.</summary>
    public double DropRate { get; init; }

    /// <summary>The share sent twice.</summary>
    public double DuplicateRate { get; init; }

    /// <summary>The share held back so that later ones overtake them.</summary>
    public double ReorderRate { get; init; }

    /// <summary>How long every notification is late.</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>Whether the server ends the client's channels part-way (as an expiry the client did not see coming).</summary>
    public bool EndsChannels { get; init; }

    /// <summary>Forged notifications (a live channel with a wrong secret, or an unknown channel) sent beside each change.</summary>
    public int ForgedPerChange { get; init; }

    /// <summary>Whether some changes are announced by no notification at all: only the client's polling then finds them.</summary>
    public bool NeedsSafetyNet => DropRate > 0 || EndsChannels;

    /// <summary>Sets <paramref name="faults"/> to this scenario's rates.</summary>
    /// <param name="faults">A fake server's notification faults.</param>
    public void Apply(PushFaults faults)
    {
        ArgumentNullException.ThrowIfNull(faults);
        faults.DropRate = DropRate;
        faults.DuplicateRate = DuplicateRate;
        faults.ReorderRate = ReorderRate;
        faults.Delay = Delay;
    }

    /// <inheritdoc />
    public override string ToString() => Name;
}
