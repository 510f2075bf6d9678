using System;
using System.Collections.Generic;
using System.Linq;

namespace SyncGen.Testing.Push;

/// <summary>
/// The push scenarios a client must survive, for the fake Calendar's channels and the fake Graph's subscriptions alike:
/// after each, every mirror must equal its source and no forged notification may have been accepted.
/// </summary>
public static class PushScenarioCatalog
{
    /// <summary>Every scenario, in catalog order.</summary>
    public static IReadOnlyList<PushScenario> All { get; } =
    [
        new("push-delivered", "Every notification arrives once and in order: each change is mirrored by a triggered pass, without polling."),
        new("push-dropped-half", "Half the notifications are lost: the changes they announced reach the mirror through the next notification or the safety-net poll.")
        {
            DropRate = 0.5,
        },
        new("push-duplicated", "Every notification arrives twice: the duplicates are coalesced or make a harmless extra pass.") { DuplicateRate = 1 },
        new("push-reordered", "A third of the notifications are overtaken by later ones: a notification says only that something changed, so order does not matter.")
        {
            ReorderRate = 0.34,
        },
        new("push-delayed", "Every notification is 400 ms late: the change is mirrored once it arrives.") { Delay = TimeSpan.FromMilliseconds(400) },
        new("push-forged", "Two forged notifications (a wrong secret, an unknown channel) beside every real one: all refused, none runs a pass.") { ForgedPerChange = 2 },
        new("push-channel-ended", "The server ends the channel part-way without telling the client: polling carries the mirror until the channel is renewed.")
        {
            EndsChannels = true,
        },
    ];

    /// <summary>The scenario with this name.</summary>
    /// <param name="name">The name.</param>
    /// <returns>The scenario.</returns>
    /// <exception cref="KeyNotFoundException">No scenario has that name.</exception>
    public static PushScenario Get(string name) =>
        All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.Ordinal)) ?? throw new KeyNotFoundException($"The push catalog has no scenario '{name}'.");
}
