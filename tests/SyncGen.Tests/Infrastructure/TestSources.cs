namespace SyncGen.Tests.Infrastructure;

/// <summary>Representative user code, shared by the snapshot and compile-and-run tests.</summary>
internal static class TestSources
{
    /// <summary>A source by its constant's name, so test names stay short.</summary>
    public static string ByName(string name) => name switch
    {
        nameof(GoogleRequest) => GoogleRequest,
        nameof(FetchCustomNames) => FetchCustomNames,
        nameof(BoolDeletedMember) => BoolDeletedMember,
        nameof(IntKey) => IntKey,
        nameof(Hooks) => Hooks,
        nameof(GraphDialect) => GraphDialect,
        _ => throw new System.ArgumentOutOfRangeException(nameof(name), name, "No such test source."),
    };

    /// <summary>
    /// The smallest page and item types, in namespace <c>D</c>, for tests that each add one repository class to them.
    /// </summary>
    public const string MinimalPrelude = """
        using System;
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using SyncGen;

        namespace D;

        public class Item { public string? Id { get; set; } public string? Status { get; set; } }
        public class Page { public List<Item>? Items { get; set; } public string? NextPageToken { get; set; } public string? NextSyncToken { get; set; } }

        """;

    /// <summary>A fetch page source over <see cref="MinimalPrelude"/>'s Page.</summary>
    public const string MinimalFetch = "Task<Page> FetchAsync(SyncCursor cursor, CancellationToken cancellationToken) => Task.FromResult(new Page());";

    /// <summary>
    /// Google.Apis shape: a request object created per pass, with full-sync-only filters the generator must clear on
    /// incremental passes. The fake server records every request as it executes.
    /// </summary>
    public const string GoogleRequest = """
        using System;
        using System.Collections.Generic;
        using System.Linq;
        using System.Text;
        using System.Threading;
        using System.Threading.Tasks;
        using Microsoft.Extensions.Logging;
        using SyncGen;

        namespace Demo.Calendar;

        public sealed class Event
        {
            public string? Id { get; set; }
            public string? Status { get; set; }
            public string? Summary { get; set; }
        }

        public sealed class Events
        {
            public IList<Event>? Items { get; set; }
            public string? NextPageToken { get; set; }
            public string? NextSyncToken { get; set; }
        }

        public class ClientServiceRequest<TResponse>
        {
            private readonly Func<ClientServiceRequest<TResponse>, TResponse> _execute;

            protected ClientServiceRequest(Func<ClientServiceRequest<TResponse>, TResponse> execute) => _execute = execute;

            public Task<TResponse> ExecuteAsync(CancellationToken cancellationToken) => Task.FromResult(_execute(this));
        }

        public sealed class EventsListRequest : ClientServiceRequest<Events>
        {
            public EventsListRequest(Func<ClientServiceRequest<Events>, Events> execute) : base(execute) { }
            public string? SyncToken { get; set; }
            public string? PageToken { get; set; }
            public DateTimeOffset? TimeMin { get; set; }
            public string? Q { get; set; }
            public bool? ShowDeleted { get; set; }
            public int? MaxResults { get; set; }
        }

        [IncrementalSync]
        public partial class PrimaryCalendarEvents
        {
            private readonly ISyncStore<Event> _store;
            private readonly ILogger<PrimaryCalendarEvents>? _logger;
            private readonly Func<EventsListRequest, Events> _server;

            public PrimaryCalendarEvents(ISyncStore<Event> store, Func<EventsListRequest, Events> server, ILogger<PrimaryCalendarEvents>? logger = null)
            {
                _store = store;
                _server = server;
                _logger = logger;
            }

            public SyncOptions? Options { get; init; }

            private EventsListRequest CreateListRequest(SyncPass pass) =>
                new(request => _server((EventsListRequest)request))
                {
                    TimeMin = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero),
                    Q = "standup",
                    ShowDeleted = false,
                    MaxResults = 2,
                };
        }

        public static class Harness
        {
            public static async Task<string> RunAsync()
            {
                var log = new StringBuilder();
                var responses = new Queue<Events>();
                var server = (EventsListRequest request) =>
                {
                    log.AppendLine($"  request syncToken={request.SyncToken ?? "-"} pageToken={request.PageToken ?? "-"} timeMin={(request.TimeMin is null ? "-" : "set")} q={request.Q ?? "-"} showDeleted={request.ShowDeleted?.ToString() ?? "-"} maxResults={request.MaxResults}");
                    return responses.Dequeue();
                };
                var store = new InMemorySyncStore<Event>();
                var repository = new PrimaryCalendarEvents(store, server);

                // Full sync: three pages, the second empty but still carrying a page token; only the last has the sync token.
                responses.Enqueue(new Events { Items = new List<Event> { new() { Id = "a", Summary = "A1" }, new() { Id = "b", Summary = "B1" } }, NextPageToken = "p2" });
                responses.Enqueue(new Events { Items = new List<Event>(), NextPageToken = "p3" });
                responses.Enqueue(new Events { Items = new List<Event> { new() { Id = "c", Summary = "C1" } }, NextSyncToken = "s1" });
                log.AppendLine("full:");
                Describe(log, await repository.SyncAsync(), store);

                // Incremental sync: a cancelled item carrying only its id, an update and an insert over two pages.
                responses.Enqueue(new Events { Items = new List<Event> { new() { Id = "b", Status = "cancelled" }, new() { Id = "d", Summary = "D1" } }, NextPageToken = "q2" });
                responses.Enqueue(new Events { Items = new List<Event> { new() { Id = "a", Summary = "A2" } }, NextSyncToken = "s2" });
                log.AppendLine("incremental:");
                Describe(log, await repository.SyncAsync(), store);
                return log.ToString();
            }

            private static void Describe(StringBuilder log, SyncResult result, InMemorySyncStore<Event> store)
            {
                log.AppendLine($"  result kind={result.Kind} startedAs={result.StartedAs} pages={result.Pages} upserts={result.Upserts} deletes={result.Deletes} token={result.SyncToken}");
                log.AppendLine($"  store token={store.SyncToken} items={string.Join(",", store.Items.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + ":" + p.Value.Summary))}");
            }
        }
        """;

    /// <summary>Plain fetch shape with every page and item name customised through the attribute.</summary>
    public const string FetchCustomNames = """
        using System;
        using System.Collections.Generic;
        using System.Linq;
        using System.Text;
        using System.Threading;
        using System.Threading.Tasks;
        using SyncGen;

        namespace Demo.People
        {
            public sealed class Contact
            {
                public string? ResourceName { get; set; }
                public string? State { get; set; }
                public string? DisplayName { get; set; }
            }

            public sealed class ConnectionsResponse
            {
                public Contact[]? Connections { get; set; }
                public string? Next { get; set; }
                public string? SyncState { get; set; }
            }

            [IncrementalSync(
                PageSource = nameof(LoadPageAsync),
                ItemsMember = nameof(ConnectionsResponse.Connections),
                NextPageTokenMember = nameof(ConnectionsResponse.Next),
                NextSyncTokenMember = nameof(ConnectionsResponse.SyncState),
                KeyMember = nameof(Contact.ResourceName),
                StatusMember = nameof(Contact.State),
                DeletedStatus = "gone")]
            internal partial class PeopleConnections
            {
                private readonly Func<SyncCursor, ConnectionsResponse> _server;

                public PeopleConnections(InMemorySyncStore<Contact> store, Func<SyncCursor, ConnectionsResponse> server)
                {
                    Store = store;
                    _server = server;
                }

                public InMemorySyncStore<Contact> Store { get; }

                private ValueTask<ConnectionsResponse> LoadPageAsync(SyncCursor cursor, CancellationToken cancellationToken) =>
                    new(_server(cursor));
            }

            public static class Harness
            {
                public static async Task<string> RunAsync()
                {
                    var log = new StringBuilder();
                    var responses = new Queue<ConnectionsResponse>();
                    var server = (SyncCursor cursor) =>
                    {
                        log.AppendLine($"  fetch {cursor}");
                        return responses.Dequeue();
                    };
                    var store = new InMemorySyncStore<Contact>();
                    var repository = new PeopleConnections(store, server);

                    responses.Enqueue(new ConnectionsResponse { Connections = new[] { new Contact { ResourceName = "people/1", DisplayName = "Ann" } }, Next = "n2" });
                    responses.Enqueue(new ConnectionsResponse { Connections = new[] { new Contact { ResourceName = "people/2", DisplayName = "Bob" } }, SyncState = "t1" });
                    var full = await repository.SyncAsync();
                    log.AppendLine($"full kind={full.Kind} pages={full.Pages} upserts={full.Upserts} token={store.SyncToken} items={string.Join(",", store.Items.Keys.OrderBy(k => k, StringComparer.Ordinal))}");

                    // "gone" is the deletion status here; Google's "cancelled" must not delete anything.
                    responses.Enqueue(new ConnectionsResponse { Connections = new[] { new Contact { ResourceName = "people/1", State = "gone" }, new Contact { ResourceName = "people/2", State = "cancelled", DisplayName = "Bob2" } }, SyncState = "t2" });
                    var incremental = await repository.SyncAsync();
                    log.AppendLine($"incremental kind={incremental.Kind} pages={incremental.Pages} upserts={incremental.Upserts} deletes={incremental.Deletes} token={store.SyncToken} items={string.Join(",", store.Items.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + ":" + p.Value.DisplayName))}");
                    return log.ToString();
                }
            }
        }
        """;

    /// <summary>A bool? deletion flag on an inherited member, fetch shape returning Task, global namespace.</summary>
    public const string BoolDeletedMember = """
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using SyncGen;

        public abstract class Entity
        {
            public string Id { get; set; } = "";
            public bool? Removed { get; set; }
        }

        public sealed class Note : Entity
        {
            public string? Text { get; set; }
        }

        public sealed class NotesPage
        {
            public IReadOnlyList<Note> Items { get; set; } = new List<Note>();
            public string? NextPageToken { get; set; }
            public string? NextSyncToken { get; set; }
        }

        public abstract class RepositoryBase
        {
            protected ISyncStore<Note> Store { get; }

            protected RepositoryBase(ISyncStore<Note> store) => Store = store;
        }

        [IncrementalSync(DeletedMember = nameof(Entity.Removed))]
        public sealed partial class Notes : RepositoryBase
        {
            public Notes(ISyncStore<Note> store) : base(store) { }

            public Task<NotesPage> FetchPageAsync(SyncCursor cursor, CancellationToken cancellationToken) =>
                Task.FromResult(new NotesPage { NextSyncToken = "s" });
        }
        """;

    /// <summary>An int key converted with the invariant culture, a plain bool deletion flag, SyncOptions as a field.</summary>
    public const string IntKey = """
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using SyncGen;

        namespace Demo.Tickets;

        public sealed class Ticket
        {
            public int Number { get; set; }
            public bool Deleted { get; set; }
        }

        public sealed class TicketPage
        {
            public List<Ticket>? Items { get; set; }
            public string? NextPageToken { get; set; }
            public string? NextSyncToken { get; set; }
        }

        [IncrementalSync(KeyMember = nameof(Ticket.Number), DeletedMember = nameof(Ticket.Deleted))]
        internal partial class Tickets
        {
            private readonly ISyncStore<Ticket> _store;
            private readonly SyncOptions _options = SyncOptions.Default;
            private readonly Queue<TicketPage> _pages;

            public Tickets(ISyncStore<Ticket> store, params TicketPage[] pages)
            {
                _store = store;
                _pages = new Queue<TicketPage>(pages);
            }

            private Task<TicketPage> FetchPageAsync(SyncCursor cursor, CancellationToken cancellationToken) =>
                Task.FromResult(_pages.Dequeue());
        }

        public static class Harness
        {
            public static async System.Threading.Tasks.Task<string> RunAsync()
            {
                var store = new InMemorySyncStore<Ticket>();
                var tickets = new Tickets(
                    store,
                    new TicketPage { Items = new List<Ticket> { new() { Number = 1001 }, new() { Number = 1002 } }, NextSyncToken = "t1" },
                    new TicketPage { Items = new List<Ticket> { new() { Number = 1001, Deleted = true } }, NextSyncToken = "t2" });
                await tickets.SyncAsync();
                var second = await tickets.SyncAsync();
                var items = await store.ReadItemsAsync();
                return $"deletes={second.Deletes} keys={string.Join(",", System.Linq.Enumerable.Select(items, p => p.Key))} token={store.SyncToken}";
            }
        }
        """;

    /// <summary>
    /// Hooks mode: no ISyncStore member; the class implements LoadSyncTokenAsync and ApplyPassAsync over its own
    /// "database" (a dictionary and a token, replaced together as one transaction would). The fake server throws on
    /// demand so that a failed pass and a token expiry can be checked to reach no hook.
    /// </summary>
    public const string Hooks = """
        using System;
        using System.Collections.Generic;
        using System.Linq;
        using System.Text;
        using System.Threading;
        using System.Threading.Tasks;
        using SyncGen;

        namespace Demo.Todos;

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

            public List<string> HookCalls { get; } = new();

            private Task<TodoPage> FetchPageAsync(SyncCursor cursor, CancellationToken cancellationToken) =>
                Task.FromResult(_server(cursor));

            private partial ValueTask<string?> LoadSyncTokenAsync(CancellationToken cancellationToken)
            {
                HookCalls.Add($"load -> {Token ?? "null"}");
                return new ValueTask<string?>(Token);
            }

            private partial ValueTask ApplyPassAsync(SyncPassKind kind, IReadOnlyList<SyncChange<Todo>> changes, string syncToken, CancellationToken cancellationToken)
            {
                HookCalls.Add($"apply {kind} [{string.Join(" ", changes.Select(c => c.IsDelete ? "-" + c.Key : "+" + c.Key + ":" + c.Item!.Title))}] token={syncToken}");
                if (kind == SyncPassKind.Full)
                {
                    Items.Clear();
                }

                foreach (var change in changes)
                {
                    if (change.IsDelete)
                    {
                        Items.Remove(change.Key);
                    }
                    else
                    {
                        Items[change.Key] = change.Item!;
                    }
                }

                Token = syncToken;
                return default;
            }
        }

        public static class Harness
        {
            public static async Task<string> RunAsync()
            {
                var log = new StringBuilder();
                var responses = new Queue<Func<TodoPage>>();
                var repository = new TodoRepository(cursor =>
                {
                    log.AppendLine($"  fetch {cursor}");
                    return responses.Dequeue()();
                });

                // A full pass that fails on page 2: page 1 was buffered, but no hook may see it.
                responses.Enqueue(() => Page(null, "p2", Todo("a", "A1"), Todo("b", "B1")));
                responses.Enqueue(() => throw new InvalidOperationException("connection reset by test"));
                await Run(log, repository, "failing full");

                responses.Enqueue(() => Page(null, "p2", Todo("a", "A1"), Todo("b", "B1")));
                responses.Enqueue(() => Page("s1", null, Todo("c", "C1")));
                await Run(log, repository, "full");

                // Incremental: a deletion (id and status only), an update and an insert, over two pages.
                responses.Enqueue(() => Page(null, "q2", new Todo { Id = "b", Status = "cancelled" }, Todo("a", "A2")));
                responses.Enqueue(() => Page("s2", null, Todo("d", "D1")));
                await Run(log, repository, "incremental");

                // The token expires on page 2 of an incremental pass: the buffered page is dropped and only the full
                // pass that follows reaches ApplyPassAsync, as a Full pass replacing the collection.
                responses.Enqueue(() => Page(null, "r2", new Todo { Id = "a", Status = "cancelled" }));
                responses.Enqueue(() => throw new SyncHttpException(410, "fullSyncRequired", null, "Sync token is no longer valid."));
                responses.Enqueue(() => Page("s3", null, Todo("a", "A3"), Todo("e", "E1")));
                await Run(log, repository, "expired");
                return log.ToString();
            }

            private static async Task Run(StringBuilder log, TodoRepository repository, string title)
            {
                log.AppendLine(title + ":");
                repository.HookCalls.Clear();
                try
                {
                    var result = await repository.SyncAsync();
                    log.AppendLine($"  result kind={result.Kind} startedAs={result.StartedAs} pages={result.Pages} upserts={result.Upserts} deletes={result.Deletes} expiries={result.ExpiriesRecovered} token={result.SyncToken}");
                }
                catch (SyncException exception)
                {
                    log.AppendLine($"  failed {exception.GetType().Name}");
                }

                foreach (var call in repository.HookCalls)
                {
                    log.AppendLine("  hook " + call);
                }

                log.AppendLine($"  mirror token={repository.Token ?? "null"} items={string.Join(",", repository.Items.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + ":" + p.Value.Title))}");
            }

            private static Todo Todo(string id, string title) => new() { Id = id, Title = title };

            private static TodoPage Page(string? syncToken, string? pageToken, params Todo[] items) =>
                new() { Items = items.ToList(), NextPageToken = pageToken, NextSyncToken = syncToken };
        }
        """;

    /// <summary>
    /// A dialect page source: a Graph users/delta repository that writes the endpoint and the item type only. The
    /// harness answers over an in-memory HttpMessageHandler (the runtime tests cover the same source over real HTTP);
    /// its third call gets Graph's 400 resyncRequired, an expiry only under the Graph dialect's rule.
    /// </summary>
    public const string GraphDialect = """
        using System;
        using System.Collections.Generic;
        using System.Net;
        using System.Net.Http;
        using System.Text;
        using System.Threading;
        using System.Threading.Tasks;
        using SyncGen;

        namespace Demo.Graph;

        public sealed class User
        {
            public string? DisplayName { get; set; }
        }

        [IncrementalSync]
        public partial class DirectoryUsers
        {
            private readonly SyncHttpPageSource<User> _users;
            private readonly ISyncStore<User> _store;
            private readonly SyncOptions _options = new() { Retry = new SyncRetryOptions { BaseDelay = TimeSpan.FromMilliseconds(1) } };

            public DirectoryUsers(HttpClient http, ISyncStore<User> store)
            {
                _users = new SyncHttpPageSource<User>(http, SyncDialects.MicrosoftGraph, new Uri("https://graph.test/v1.0/users/delta?$select=displayName"));
                _store = store;
            }
        }

        public sealed class GraphAnswers : HttpMessageHandler
        {
            public List<string> Requests { get; } = new();

            public bool Expired { get; set; }

            protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                var target = Uri.UnescapeDataString(request.RequestUri!.PathAndQuery);
                Requests.Add(target);
                var (status, body) = target switch
                {
                    "/v1.0/users/delta?$select=displayName" => (200, "{\"value\":[{\"id\":\"u1\",\"displayName\":\"Ann\"},{\"id\":\"u2\",\"displayName\":\"Bob\"}],\"@odata.nextLink\":\"https://graph.test/v1.0/users/delta?$skiptoken=s2\"}"),
                    "/v1.0/users/delta?$skiptoken=s2" => (200, "{\"value\":[],\"@odata.deltaLink\":\"https://graph.test/v1.0/users/delta?$deltatoken=d1\"}"),
                    "/v1.0/users/delta?$deltatoken=d1" when Expired => (400, "{\"error\":{\"code\":\"resyncRequired\",\"message\":\"Resync required.\"}}"),
                    "/v1.0/users/delta?$deltatoken=d1" => (200, "{\"value\":[{\"id\":\"u2\",\"@removed\":{\"reason\":\"deleted\"}},{\"id\":\"u3\",\"displayName\":\"Cy\"}],\"@odata.deltaLink\":\"https://graph.test/v1.0/users/delta?$deltatoken=d1\"}"),
                    _ => (404, "no route"),
                };
                return Task.FromResult(new HttpResponseMessage((HttpStatusCode)status) { Content = new StringContent(body, Encoding.UTF8, "application/json") });
            }
        }

        public static class Harness
        {
            public static async Task<string> RunAsync()
            {
                var answers = new GraphAnswers();
                using var http = new HttpClient(answers);
                var store = new InMemorySyncStore<User>();
                var users = new DirectoryUsers(http, store);
                var log = new StringBuilder();
                void Line(string name, SyncResult r) => log.Append($"{name} kind={r.Kind} pages={r.Pages} upserts={r.Upserts} deletes={r.Deletes} expiries={r.ExpiriesRecovered} items={string.Join(",", Items(store))}\n");

                Line("full", await users.SyncAsync());
                Line("incremental", await users.SyncAsync());
                answers.Expired = true;
                Line("expired", await users.SyncAsync());
                log.Append(string.Join("\n", answers.Requests)).Append('\n');
                return log.ToString();
            }

            private static IEnumerable<string> Items(InMemorySyncStore<User> store)
            {
                var keys = new List<string>(store.Items.Keys);
                keys.Sort(StringComparer.Ordinal);
                foreach (var key in keys)
                {
                    yield return key + ":" + store.Items[key].DisplayName;
                }
            }
        }
        """;
}
