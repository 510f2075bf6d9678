using System;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Infrastructure;

namespace SyncGen.Runtime.Tests.Infrastructure;

/// <summary>Hooks mode page by page: what the store does when the hook misbehaves, and when a pass ends early.</summary>
public sealed class SyncPagedHookStoreTests
{
    [Test]
    public async Task A_discarded_pass_without_pages_never_calls_the_hook()
    {
        var calls = 0;
        var store = new SyncPagedHookStore<string>("Tests.Repo", _ => default, (_, _) => { calls++; return default; });

        await using (var writer = await store.BeginPassAsync(SyncPassKind.Full))
        {
            await writer.ApplyAsync(Array.Empty<SyncChange<string>>());
        }

        Assert.That(calls, Is.Zero);
    }

    [Test]
    public async Task A_hook_that_returns_before_reading_every_page_fails_the_pass()
    {
        var store = new SyncPagedHookStore<string>("Tests.Repo", _ => default, (_, _) => default);

        await using var writer = await store.BeginPassAsync(SyncPassKind.Full);
        var failure = Assert.CatchAsync<InvalidOperationException>(async () =>
        {
            for (var page = 0; page < 3; page++)
            {
                await writer.ApplyAsync([SyncChange<string>.Upsert($"k{page}", "v")]);
            }
        });

        Assert.That(failure!.Message, Does.Contain("Tests.Repo.ApplyPassAsync returned before reading every page"));
    }

    [Test]
    public async Task The_hook_s_failure_is_the_commit_s_and_its_token_is_read_after_the_pages()
    {
        string? token = null;
        var store = new SyncPagedHookStore<string>("Tests.Repo", _ => default, async (pass, cancellationToken) =>
        {
            Assert.Throws<InvalidOperationException>(() => _ = pass.SyncToken, "no token before the pages were read");
            await foreach (var _ in pass.ReadChangesAsync(cancellationToken))
            {
            }

            token = pass.SyncToken;
            throw new TimeoutException("the user's database");
        });

        await using var writer = await store.BeginPassAsync(SyncPassKind.Incremental);
        await writer.ApplyAsync([SyncChange<string>.Upsert("a", "A")]);

        Assert.ThrowsAsync<TimeoutException>(async () => await writer.CommitAsync("t1"));
        Assert.That(token, Is.EqualTo("t1"));
    }
}
