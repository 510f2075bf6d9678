using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Infrastructure;
using SyncGen.Testing.FakeServer;

namespace SyncGen.Runtime.Tests.Engine;

/// <summary>
/// <see cref="SyncOptions.SendFirstRequestEarly"/>: a repository instance that remembers the token its last call ended
/// on sends the next call's first request before its store has read the token, and uses the answer only if the store
/// holds that same token.
/// </summary>
public class EarlyFirstRequestTests
{
    private FakeCalendarServer _server = null!;
    private HttpClient _http = null!;
    private DirectoryInfo _directory = null!;

    [SetUp]
    public async Task StartAsync()
    {
        _server = await FakeCalendarServer.StartAsync();
        _http = new HttpClient();
        _directory = Directory.CreateTempSubdirectory("syncgen-early-");
    }

    [TearDown]
    public async Task StopAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _directory.Delete(recursive: true);
    }

    private static readonly SyncOptions Fast = new()
    {
        Retry = new SyncRetryOptions { BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5) },
    };

    [TestCase(true, new[] { "fetch", "begin", "read" })]
    [TestCase(false, new[] { "read", "begin", "fetch" })]
    public async Task The_next_call_of_an_instance_sends_its_first_request_before_the_store_reads(bool early, string[] expectedOrder)
    {
        _server.Primary.AddMany(3);
        var steps = new List<string>();
        var store = new OrderedStore<JsonEvent>(SqliteSyncStore<JsonEvent>.OpenFile(Path.Combine(_directory.FullName, "mirror.db"), "primary"), steps);
        var fetcher = new HttpJsonFetcher(_http, _server.EventsUri());
        var definition = HttpJsonFetcher.Definition(pass => Recording(fetcher.Open(pass), steps), new SyncGate());
        var options = Fast with { SendFirstRequestEarly = early };
        var first = await new SyncEngine<JsonEvent>(definition, store, options).RunAsync();
        Assert.That(steps, Is.EqualTo(new[] { "read", "begin", "fetch" }), "the first call of an instance has no token to guess");

        steps.Clear();
        var second = await new SyncEngine<JsonEvent>(definition, store, options).RunAsync();

        Assert.That(steps, Is.EqualTo(expectedOrder));
        Assert.That(second.Kind, Is.EqualTo(SyncPassKind.Incremental));
        Assert.That(second.SyncToken, Is.EqualTo(first.SyncToken));
        Assert.That(fetcher.SentUrls[^1], Does.Contain("syncToken=" + Uri.EscapeDataString(first.SyncToken)));
    }

    [Test]
    public async Task An_early_request_with_a_token_another_instance_replaced_is_discarded_and_the_call_starts_from_the_stored_token()
    {
        _server.Primary.AddMany(4);
        var path = Path.Combine(_directory.FullName, "shared.db");
        var fetcherA = new HttpJsonFetcher(_http, _server.EventsUri());
        var definitionA = HttpJsonFetcher.Definition(fetcherA.Open, new SyncGate());
        var definitionB = HttpJsonFetcher.Definition(new HttpJsonFetcher(_http, _server.EventsUri()).Open, new SyncGate());
        var storeA = SqliteSyncStore<JsonEvent>.OpenFile(path, "primary");
        var storeB = SqliteSyncStore<JsonEvent>.OpenFile(path, "primary");
        var remembered = (await new SyncEngine<JsonEvent>(definitionA, storeA, Fast).RunAsync()).SyncToken;

        // Another instance on the same file syncs a rename; then an event is deleted.
        _server.Primary.Upsert(new FakeEvent("evt-000001", "renamed", new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero)));
        var stored = (await new SyncEngine<JsonEvent>(definitionB, storeB, Fast).RunAsync()).SyncToken;
        _server.Primary.Delete("evt-000002");
        fetcherA.SentUrls.Clear();

        var result = await new SyncEngine<JsonEvent>(definitionA, storeA, Fast).RunAsync();

        Assert.That(fetcherA.SentUrls, Has.Count.EqualTo(2));
        Assert.That(fetcherA.SentUrls[0], Does.Contain("syncToken=" + Uri.EscapeDataString(remembered)), "sent early with the remembered token");
        Assert.That(fetcherA.SentUrls[1], Does.Contain("syncToken=" + Uri.EscapeDataString(stored)), "then from the token the store holds");
        Assert.That((result.Upserts, result.Deletes), Is.EqualTo((0, 1)), "only the changes since the stored token: the early answer (the rename too) was not applied");
        var mirror = await storeA.ReadItemsAsync();
        Assert.That(mirror.Select(p => p.Key), Is.EqualTo(_server.Primary.LiveEvents.Select(e => e.Id).Order()));
        Assert.That(mirror.Single(p => p.Key == "evt-000001").Value.Summary, Is.EqualTo("renamed"));
        Assert.That(await storeA.ReadSyncTokenAsync(), Is.EqualTo(_server.Primary.CurrentSyncToken));
    }

    [Test]
    public async Task An_early_request_is_discarded_when_the_store_was_emptied_and_a_full_pass_runs()
    {
        _server.Primary.AddMany(3);
        var fetcher = new HttpJsonFetcher(_http, _server.EventsUri());
        var definition = HttpJsonFetcher.Definition(fetcher.Open, new SyncGate());
        await new SyncEngine<JsonEvent>(definition, new InMemorySyncStore<JsonEvent>(), Fast).RunAsync();
        fetcher.SentUrls.Clear();

        var empty = new InMemorySyncStore<JsonEvent>();
        var result = await new SyncEngine<JsonEvent>(definition, empty, Fast).RunAsync();

        Assert.That(result.Kind, Is.EqualTo(SyncPassKind.Full));
        Assert.That(fetcher.SentUrls.Select(u => u.Contains("syncToken=", StringComparison.Ordinal)), Is.EqualTo(new[] { true, false }));
        Assert.That(empty.Items.Keys.Order(), Is.EqualTo(_server.Primary.LiveEvents.Select(e => e.Id).Order()));
    }

    /// <summary>
    /// The early answer describes the collection when it was sent. Another instance may commit a newer pass after that
    /// and before this call's pass begins (under PostgreSQL's lease: while it waits for it); applying the older answer
    /// over that pass would bring back what it deleted and store a token from before it. The call must see that pass
    /// and start from its token, exactly as with the option off.
    /// </summary>
    [TestCase(true)]
    [TestCase(false)]
    public async Task A_pass_another_instance_commits_after_the_early_answer_and_before_the_pass_begins_is_not_overwritten_with_that_answer(bool early)
    {
        _server.Primary.AddMany(3);
        var path = Path.Combine(_directory.FullName, "shared.db");
        var options = Fast with { SendFirstRequestEarly = early };
        var fetcherA = new HttpJsonFetcher(_http, _server.EventsUri());
        var answered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sent = 0;
        var definitionA = HttpJsonFetcher.Definition(pass => async (cursor, cancellationToken) =>
        {
            Interlocked.Increment(ref sent);
            var page = await fetcherA.Open(pass)(cursor, cancellationToken);
            answered.TrySetResult();
            return page;
        }, new SyncGate());
        var definitionB = HttpJsonFetcher.Definition(new HttpJsonFetcher(_http, _server.EventsUri()).Open, new SyncGate());
        var storeA = SqliteSyncStore<JsonEvent>.OpenFile(path, "primary");
        var storeB = SqliteSyncStore<JsonEvent>.OpenFile(path, "primary");
        await new SyncEngine<JsonEvent>(definitionA, storeA, options).RunAsync();
        _server.Primary.Upsert(new FakeEvent("evt-000001", "renamed", new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero)));
        sent = 0;
        answered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // Once A's early request (if any) has its answer, the event it renamed is deleted and B commits that, all
        // before A's pass begins.
        var racing = new OrderedStore<JsonEvent>(storeA, new List<string>())
        {
            BeforeFirstBegin = async () =>
            {
                if (Volatile.Read(ref sent) > 0)
                {
                    await answered.Task;
                }

                _server.Primary.Delete("evt-000001");
                await new SyncEngine<JsonEvent>(definitionB, storeB, options).RunAsync();
            },
        };

        var result = await new SyncEngine<JsonEvent>(definitionA, racing, options).RunAsync();

        var mirror = await storeA.ReadItemsAsync();
        Assert.That(mirror.Select(p => p.Key), Is.EqualTo(_server.Primary.LiveEvents.Select(e => e.Id).Order()), "the deletion B committed stays");
        Assert.That(await storeA.ReadSyncTokenAsync(), Is.EqualTo(_server.Primary.CurrentSyncToken), "the stored token does not go back");
        Assert.That(result.SyncToken, Is.EqualTo(_server.Primary.CurrentSyncToken));
    }

    /// <summary>
    /// <see cref="SyncResult.Retries"/> counts the retries of the requests whose answers the call applied: a request
    /// sent early and then discarded (the store held another token) belongs to no pass of the call, so its retries are
    /// not in the result (they still show in the logs and the retry metric, which count what went on the wire).
    /// </summary>
    [Test]
    public async Task Retries_of_a_discarded_early_request_are_not_counted_in_the_result()
    {
        var retried = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var attempts = 0;

        // Attempt 1: the first call. 2: the early request, a transport failure. 3: its retry, which waits to be
        // cancelled. 4: the request from the stored token.
        var definition = HttpJsonFetcher.Definition(_ => async (cursor, cancellationToken) =>
        {
            switch (Interlocked.Increment(ref attempts))
            {
                case 1:
                    return SyncPage<JsonEvent>.Create([new JsonEvent("a", null, "first")], null, "token-1");
                case 2:
                    throw new HttpRequestException("connection reset");
                case 3:
                    retried.TrySetResult();
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                    throw new InvalidOperationException("unreachable");
                default:
                    Assert.That(cursor.SyncToken, Is.EqualTo("token-2"));
                    return SyncPage<JsonEvent>.Create([], null, "token-3");
            }
        });
        var inner = new InMemorySyncStore<JsonEvent>();
        await new SyncEngine<JsonEvent>(definition, inner, Fast).RunAsync();

        // Another instance syncs meanwhile.
        var other = await inner.BeginPassAsync(SyncPassKind.Incremental);
        await using (other)
        {
            await other.CommitAsync("token-2");
        }

        var store = new OrderedStore<JsonEvent>(inner, new List<string>()) { BeforeRead = () => retried.Task };
        var result = await new SyncEngine<JsonEvent>(definition, store, Fast).RunAsync();

        Assert.That(attempts, Is.EqualTo(4));
        Assert.That(result.Retries, Is.EqualTo(0), "the early request's retry is not a retry of this call's pass");
        Assert.That(result.SyncToken, Is.EqualTo("token-3"));
        Assert.That(inner.SyncToken, Is.EqualTo("token-3"));
    }

    [Test]
    public async Task Retries_of_an_early_request_whose_answer_is_used_are_counted_in_the_result()
    {
        var attempts = 0;

        // Attempt 1: the first call. 2: the early request, a transport failure. 3: its retry, answered.
        var definition = HttpJsonFetcher.Definition(_ => (_, _) => Interlocked.Increment(ref attempts) switch
        {
            1 => Task.FromResult(SyncPage<JsonEvent>.Create([new JsonEvent("a", null, "first")], null, "token-1")),
            2 => throw new HttpRequestException("connection reset"),
            _ => Task.FromResult(SyncPage<JsonEvent>.Create([new JsonEvent("b", null, "second")], null, "token-2")),
        });
        var store = new InMemorySyncStore<JsonEvent>();
        await new SyncEngine<JsonEvent>(definition, store, Fast).RunAsync();

        var result = await new SyncEngine<JsonEvent>(definition, store, Fast).RunAsync();

        Assert.That(attempts, Is.EqualTo(3));
        Assert.That(result.Retries, Is.EqualTo(1));
        Assert.That(store.Items.Keys.Order(), Is.EqualTo(new[] { "a", "b" }));
        Assert.That(store.SyncToken, Is.EqualTo("token-2"));
    }

    /// <summary>
    /// Opening the early pass runs the repository's own code (a request factory, say) before the store is read. If that
    /// fails, the call must go on as it would with the option off: here the store was emptied, so the call is a full
    /// pass, which never opens an incremental one and succeeds.
    /// </summary>
    [Test]
    public async Task An_early_pass_that_fails_to_open_leaves_the_call_as_it_would_be_without_it()
    {
        var calls = 0;
        var definition = HttpJsonFetcher.Definition(pass => Interlocked.Increment(ref calls) == 1 || pass.IsFull
            ? (_, _) => Task.FromResult(SyncPage<JsonEvent>.Create([new JsonEvent("a", null, "first")], null, "token-" + calls))
            : throw new InvalidOperationException("this source cannot open an incremental pass now"));
        await new SyncEngine<JsonEvent>(definition, new InMemorySyncStore<JsonEvent>(), Fast).RunAsync();

        var emptied = new InMemorySyncStore<JsonEvent>();
        var logger = new ListLogger();
        var result = await new SyncEngine<JsonEvent>(definition, emptied, Fast, logger).RunAsync();

        Assert.That(logger.Lines, Has.Some.Contains("the pass for the early first request could not be opened"), "skipped, not silently");
        Assert.That(result.Kind, Is.EqualTo(SyncPassKind.Full));
        Assert.That(emptied.SyncToken, Is.EqualTo("token-3"), "opened: the first call's pass, the failed early one, the full one");
        Assert.That(emptied.Items.Keys, Is.EqualTo(new[] { "a" }));
    }

    [TestCase("read")]
    [TestCase("begin")]
    public async Task A_store_that_fails_while_the_early_request_travels_cancels_it_and_the_call_fails_with_the_stores_error(string failingStep)
    {
        var requests = 0;
        var running = 0;

        // The first call's request answers; the next one never does until cancelled. Whether the early request reached
        // the fetcher before the failure cancelled it depends on timing; either way none may be left running.
        var definition = HttpJsonFetcher.Definition(_ => async (_, cancellationToken) =>
        {
            if (Interlocked.Increment(ref requests) == 1)
            {
                return SyncPage<JsonEvent>.Create([new JsonEvent("a", null, "first")], null, "token-1");
            }

            Interlocked.Increment(ref running);
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
                throw new InvalidOperationException("unreachable");
            }
            finally
            {
                Interlocked.Decrement(ref running);
            }
        });
        var inner = new InMemorySyncStore<JsonEvent>();
        await new SyncEngine<JsonEvent>(definition, inner, Fast).RunAsync();
        var failing = new OrderedStore<JsonEvent>(inner, new List<string>()) { FailAt = failingStep };

        var error = Assert.ThrowsAsync<IOException>(() => new SyncEngine<JsonEvent>(definition, failing, Fast).RunAsync());

        Assert.That(error!.Message, Is.EqualTo($"{failingStep} failed"));
        Assert.That(Volatile.Read(ref running), Is.Zero, "the early request was cancelled and had ended before the call returned");
        Assert.That(requests, Is.LessThanOrEqualTo(2), "no request after the failure");
        Assert.That(inner.SyncToken, Is.EqualTo("token-1"));
        Assert.That(inner.Items.Keys, Is.EqualTo(new[] { "a" }));
    }

    private static SyncPageFetcher<JsonEvent> Recording(SyncPageFetcher<JsonEvent> fetch, List<string> steps) => (cursor, cancellationToken) =>
    {
        lock (steps)
        {
            steps.Add("fetch");
        }

        return fetch(cursor, cancellationToken);
    };

    /// <summary>A store that notes when the engine reads its token and begins a pass, and can fail at either.</summary>
    private sealed class OrderedStore<TItem>(ISyncStore<TItem> inner, List<string> steps) : ISyncStore<TItem>
    {
        public string? FailAt { get; init; }

        /// <summary>Awaited each time the engine reads the token, before the inner store reads it.</summary>
        public Func<Task>? BeforeRead { get; init; }

        /// <summary>Runs once, when the engine first asks to begin a pass, before the inner store begins it.</summary>
        public Func<Task>? BeforeFirstBegin { get; init; }

        private int _begun;

        public async ValueTask<string?> ReadSyncTokenAsync(CancellationToken cancellationToken = default)
        {
            Note("read");
            if (BeforeRead is { } before)
            {
                await before();
            }

            return await inner.ReadSyncTokenAsync(cancellationToken);
        }

        public async ValueTask<ISyncPassWriter<TItem>> BeginPassAsync(SyncPassKind kind, CancellationToken cancellationToken = default)
        {
            Note("begin");
            if (BeforeFirstBegin is { } before && Interlocked.Exchange(ref _begun, 1) == 0)
            {
                await before();
            }

            return await inner.BeginPassAsync(kind, cancellationToken);
        }

        public ValueTask<IReadOnlyList<KeyValuePair<string, TItem>>> ReadItemsAsync(CancellationToken cancellationToken = default) =>
            inner.ReadItemsAsync(cancellationToken);

        private void Note(string step)
        {
            lock (steps)
            {
                steps.Add(step);
            }

            if (step == FailAt)
            {
                throw new IOException($"{step} failed");
            }
        }
    }
}
