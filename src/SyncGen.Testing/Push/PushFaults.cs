using System;

namespace SyncGen.Testing.Push;

/// <summary>
/// What a fake server does to the notifications it sends: drop, duplicate, reorder or delay them, at random rates from
/// a fixed seed. Change the properties at any time; each notification is decided when it is sent.
/// </summary>
/// <remarks>
/// Real providers do all of these: Google documents that notifications may be lost and are not ordered, Graph retries
/// (a duplicate) and batches late. Forged notifications and expired channels are calls of the server itself
/// (<see cref="FakeCalendarChannels.ForgeAsync"/>, <see cref="FakeCalendarChannels.Expire"/>).
/// </remarks>
public sealed class PushFaults
{
    private readonly object _gate = new();
    private Random _random = new(26);

    /// <summary>The share of notifications never sent, 0 to 1.</summary>
    public double DropRate { get; set; }

    /// <summary>The share of notifications sent twice, 0 to 1.</summary>
    public double DuplicateRate { get; set; }

    /// <summary>The share of notifications held back by <see cref="ReorderDelay"/>, so that later ones overtake them, 0 to 1.</summary>
    public double ReorderRate { get; set; }

    /// <summary>How long a reordered notification is held back.</summary>
    /// <value>300 ms by default.</value>
    public TimeSpan ReorderDelay { get; set; } = TimeSpan.FromMilliseconds(300);

    /// <summary>How long every notification waits before it is sent (a slow provider).</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>Restarts the random decisions from <paramref name="seed"/>, for a reproducible run.</summary>
    /// <param name="seed">The seed.</param>
    public void Reseed(int seed)
    {
        lock (_gate)
        {
            _random = new Random(seed);
        }
    }

    /// <summary>Decides the fate of one notification: how many copies go out (0 dropped, 2 duplicated) and after what wait.</summary>
    internal (int Copies, TimeSpan Wait) Decide()
    {
        lock (_gate)
        {
            if (_random.NextDouble() < DropRate)
            {
                return (0, TimeSpan.Zero);
            }

            var copies = _random.NextDouble() < DuplicateRate ? 2 : 1;
            var wait = Delay + (_random.NextDouble() < ReorderRate ? ReorderDelay : TimeSpan.Zero);
            return (copies, wait);
        }
    }
}
