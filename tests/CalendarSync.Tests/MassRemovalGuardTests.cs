using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen;

namespace CalendarSync.Tests;

/// <summary>
/// Issue 9 point 8, through Google.Apis into SQLite: after an expired token, a full pass that lists almost nothing
/// would silently wipe the mirror. With <see cref="SyncOptions.MaxReplaceRemovalFraction"/> it fails and commits nothing.
/// </summary>
public class MassRemovalGuardTests : CalendarSyncTestBase
{
    private async Task<StoreState> SyncThenLoseAsync(int stored, int lost)
    {
        Calendar.AddMany(stored);
        await Repository(options: Guarded()).SyncAsync();
        for (var i = 1; i <= lost; i++)
        {
            Calendar.Delete($"evt-{i:D6}");
        }

        // The tombstones expire with the token: the recovery's full pass is all the client gets.
        Calendar.ExpireSyncTokens();
        return await ReadStateAsync();
    }

    private static SyncOptions Guarded(double? fraction = 0.5) => FastRetries() with { MaxReplaceRemovalFraction = fraction };

    [Test]
    public async Task A_recovery_that_would_remove_most_of_the_mirror_fails_and_commits_nothing()
    {
        var before = await SyncThenLoseAsync(stored: 100, lost: 99);

        var exception = Assert.ThrowsAsync<SyncMassRemovalException>(() => Repository(options: Guarded()).SyncAsync());

        Assert.That(exception!.StoredItems, Is.EqualTo(100));
        Assert.That(exception.Removals, Is.EqualTo(99));
        Assert.That(exception.Message, Does.Contain("remove 99 of the 100 stored items").And.Contain("MaxReplaceRemovalFraction"));
        Assert.That(await ReadStateAsync(), Is.EqualTo(before), "nothing was committed");
    }

    [Test]
    public async Task A_recovery_within_the_allowed_share_replaces_the_mirror()
    {
        await SyncThenLoseAsync(stored: 100, lost: 40);

        var result = await Repository(options: Guarded()).SyncAsync();

        Assert.That(result.ExpiriesRecovered, Is.EqualTo(1));
        await AssertMirrorEqualsServerAsync();
    }

    [Test]
    public async Task Without_the_guard_the_recovery_replaces_the_mirror_as_the_protocol_says()
    {
        await SyncThenLoseAsync(stored: 100, lost: 99);

        await Repository(options: Guarded(null)).SyncAsync();

        Assert.That((await ReadStateAsync()).Items, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task The_first_full_sync_into_an_empty_mirror_is_never_refused()
    {
        Calendar.AddMany(3);

        var result = await Repository(options: Guarded(0)).SyncAsync();

        Assert.That(result.Upserts, Is.EqualTo(3));
    }
}
