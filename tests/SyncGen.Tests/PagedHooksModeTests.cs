using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Tests.Infrastructure;

namespace SyncGen.Tests;

/// <summary>
/// Hooks mode page by page: an <c>ApplyPassAsync(SyncHookPass&lt;TItem&gt;, CancellationToken)</c> hook gets the pass's
/// pages while the pass runs (not the whole pass at its end), commits once, and rolls back a pass that does not complete.
/// </summary>
public class PagedHooksModeTests
{
    private const string Source = """
        using System;
        using System.Collections.Generic;
        using System.Linq;
        using System.Text;
        using System.Threading;
        using System.Threading.Tasks;
        using SyncGen;

        namespace Demo.Paged;

        public sealed class Todo
        {
            public string? Id { get; set; }
            public string? Status { get; set; }
            public string? Title { get; set; }
        }

        public sealed class TodoPage
        {
            public List<Todo>? Items { get; set; }
            public string? NextPageToken { get; set; }
            public string? NextSyncToken { get; set; }
        }

        [IncrementalSync]
        public sealed partial class TodoRepository
        {
            private readonly Func<SyncCursor, TodoPage> _server;

            public TodoRepository(Func<SyncCursor, TodoPage> server) => _server = server;

            public Dictionary<string, Todo> Items { get; } = new(StringComparer.Ordinal);

            public string? Token { get; private set; }

            public int Fetches;

            public List<string> HookCalls { get; } = new();

            private Task<TodoPage> FetchPageAsync(SyncCursor cursor, CancellationToken cancellationToken)
            {
                Interlocked.Increment(ref Fetches);
                return Task.FromResult(_server(cursor));
            }

            private partial ValueTask<string?> LoadSyncTokenAsync(CancellationToken cancellationToken) => new(Token);

            // A transaction of its own: the pass is staged page by page and becomes the mirror only at the end, once.
            private partial async ValueTask ApplyPassAsync(SyncHookPass<Todo> pass, CancellationToken cancellationToken)
            {
                var staged = pass.Kind == SyncPassKind.Full ? new Dictionary<string, Todo>(StringComparer.Ordinal) : new Dictionary<string, Todo>(Items, StringComparer.Ordinal);
                var pages = new List<string>();
                try
                {
                    await foreach (var page in pass.ReadPagesAsync(cancellationToken))
                    {
                        // How many pages the server had served when this page reached the hook.
                        pages.Add($"{page.Count}@{Volatile.Read(ref Fetches)}");
                        foreach (var change in page)
                        {
                            if (change.IsDelete)
                            {
                                staged.Remove(change.Key);
                            }
                            else
                            {
                                staged[change.Key] = change.Item!;
                            }
                        }
                    }
                }
                catch (SyncPassAbandonedException)
                {
                    lock (HookCalls) HookCalls.Add($"rolled back {pass.Kind} after pages [{string.Join(" ", pages)}]");
                    throw;
                }

                Items.Clear();
                foreach (var (key, item) in staged)
                {
                    Items[key] = item;
                }

                Token = pass.SyncToken;
                lock (HookCalls) HookCalls.Add($"committed {pass.Kind} pages [{string.Join(" ", pages)}] token={Token}");
            }
        }

        public static class Harness
        {
            public static async Task<string> RunAsync()
            {
                var log = new StringBuilder();
                var responses = new Queue<Func<TodoPage>>();
                var repository = new TodoRepository(_ => responses.Dequeue()());

                // Six pages of two: the hook gets the first while the server has served at most three.
                for (var p = 1; p <= 6; p++)
                {
                    var page = p;
                    responses.Enqueue(() => Page(page == 6 ? "s1" : null, page == 6 ? null : $"p{page + 1}", Todo($"a{page}", "A"), Todo($"b{page}", "B")));
                }

                await Run(log, repository, "full");

                // An incremental pass that fails on its third page: staged, then rolled back; the mirror is as it was.
                responses.Enqueue(() => Page(null, "q2", new Todo { Id = "a1", Status = "cancelled" }));
                responses.Enqueue(() => Page(null, "q3", Todo("c", "C")));
                responses.Enqueue(() => throw new InvalidOperationException("connection reset by test"));
                await Run(log, repository, "failing incremental");

                // The token expires on page 2: that pass is rolled back, the full pass that follows commits.
                responses.Enqueue(() => Page(null, "r2", Todo("x", "X")));
                responses.Enqueue(() => throw new SyncHttpException(410, "fullSyncRequired", null, "Sync token is no longer valid."));
                responses.Enqueue(() => Page("s2", null, Todo("e", "E")));
                await Run(log, repository, "expired");
                return log.ToString();
            }

            private static async Task Run(StringBuilder log, TodoRepository repository, string title)
            {
                log.AppendLine(title + ":");
                repository.HookCalls.Clear();
                Volatile.Write(ref repository.Fetches, 0);
                try
                {
                    var result = await repository.SyncAsync();
                    log.AppendLine($"  result kind={result.Kind} pages={result.Pages} upserts={result.Upserts} token={result.SyncToken}");
                }
                catch (SyncException exception)
                {
                    log.AppendLine($"  failed {exception.GetType().Name}");
                }

                foreach (var call in repository.HookCalls)
                {
                    log.AppendLine("  hook " + call);
                }

                log.AppendLine($"  mirror token={repository.Token ?? "null"} items={string.Join(",", repository.Items.Keys.OrderBy(k => k, StringComparer.Ordinal))}");
            }

            private static Todo Todo(string id, string title) => new() { Id = id, Title = title };

            private static TodoPage Page(string? syncToken, string? pageToken, params Todo[] items) =>
                new() { Items = items.ToList(), NextPageToken = pageToken, NextSyncToken = syncToken };
        }
        """;

    [Test]
    public void The_paged_hook_is_declared_and_wired_to_the_paged_hook_store()
    {
        var run = GeneratorRunner.Run(Source);

        CompiledAssembly.Emit(run);
        Assert.That(run.SingleSource, Does.Contain("new global::SyncGen.Infrastructure.SyncPagedHookStore<global::Demo.Paged.Todo>(\"Demo.Paged.TodoRepository\", hookToken => this.LoadSyncTokenAsync(hookToken), (pass, hookToken) => this.ApplyPassAsync(pass, hookToken))"));
        Assert.That(run.SingleSource, Does.Contain("private partial global::System.Threading.Tasks.ValueTask ApplyPassAsync(global::SyncGen.SyncHookPass<global::Demo.Paged.Todo> pass,"));
    }

    [Test]
    public async Task The_hook_gets_each_page_while_the_pass_runs_commits_once_and_rolls_back_a_pass_that_does_not_complete()
    {
        var assembly = CompiledAssembly.Emit(GeneratorRunner.Run(Source));

        var log = await CompiledAssembly.RunHarnessAsync(assembly, "Demo.Paged.Harness");

        Assert.That(log, Does.Match(@"full:\n  result kind=Full pages=6 upserts=12 token=s1\n  hook committed Full pages \[2@[1-3] 2@\d 2@\d 2@\d 2@\d 2@6\] token=s1\n  mirror token=s1 items=a1,a2,a3,a4,a5,a6,b1,b2,b3,b4,b5,b6\n"),
            "the first page reached the hook before the server served the fourth: the pass was not buffered whole");
        Assert.That(log, Does.Match(@"failing incremental:\n  failed SyncRequestFailedException\n  hook rolled back Incremental after pages \[1@\d 1@\d\]\n  mirror token=s1 items=a1,a2,a3,a4,a5,a6,b1,b2,b3,b4,b5,b6\n"),
            "the failed pass was staged page by page, then rolled back: the mirror and token are as they were");
        Assert.That(log, Does.Match(@"expired:\n  result kind=Full pages=1 upserts=1 token=s2\n  hook rolled back Incremental after pages \[1@\d\]\n  hook committed Full pages \[1@\d\] token=s2\n  mirror token=s2 items=e\n"));
    }
}
