using System;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Runtime.Tests.Dialects;

namespace SyncGen.Runtime.Tests.Engine;

/// <summary>
/// A server that never ends a pass, over real HTTP on 127.0.0.1: every answer hands out a new next-page token. The
/// pass stops at <see cref="SyncOptions.MaxPagesPerPass"/> or <see cref="SyncOptions.MaxEmptyPagesInARow"/> with a
/// typed error, and the store keeps what the last good call committed.
/// </summary>
public class PageBudgetTests
{
    private RawHttpServer _server = null!;
    private HttpClient _http = null!;
    private volatile Func<string, string> _answer = null!;

    [SetUp]
    public void Start()
    {
        _answer = _ => RawHttpServer.Page("s1", "a", "b");
        _server = new RawHttpServer(async (_, target, stream, cancellationToken) =>
            await RawHttpServer.WriteAsync(stream, 200, null, Encoding.UTF8.GetBytes(_answer(target)), cancellationToken));
        _http = new HttpClient();
    }

    [TearDown]
    public async Task StopAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    private static int PageTokenOf(string target) => Regex.Match(target, "pageToken=t(\\d+)") is { Success: true } m ? int.Parse(m.Groups[1].Value) : 0;

    /// <summary>Every answer a page of <paramref name="items"/> and a new next-page token, forever.</summary>
    private static string Endless(string target, int items) =>
        $"{{\"items\":[{string.Join(",", Enumerable.Range(0, items).Select(i => $"{{\"id\":\"x{PageTokenOf(target)}-{i}\",\"status\":\"confirmed\"}}"))}],\"nextPageToken\":\"t{PageTokenOf(target) + 1}\"}}";

    private async Task<(InMemorySyncStore<Named> Store, SyncHttpPageSource<Named> Source)> SyncedAsync()
    {
        var store = new InMemorySyncStore<Named>();
        var source = new SyncHttpPageSource<Named>(_http, SyncDialects.GoogleCalendar, new Uri(_server.BaseUri, "/events"));
        await source.SyncAsync(store, FastRetry.Options);
        Assert.That(store.SyncToken, Is.EqualTo("s1"));
        return (store, source);
    }

    [Test]
    public async Task A_server_that_answers_empty_pages_forever_is_stopped_after_the_empty_page_bound()
    {
        var (store, source) = await SyncedAsync();
        var before = _server.Requests;
        _answer = target => Endless(target, 0);

        var failure = Assert.ThrowsAsync<SyncPageBudgetExceededException>(() => source.SyncAsync(store, FastRetry.Options with { MaxEmptyPagesInARow = 25 }));

        Assert.That(failure!.Limit, Is.EqualTo(25));
        Assert.That(failure.IsEmptyPagesBound, Is.True);
        Assert.That(failure.EmptyPagesInARow, Is.EqualTo(25));
        Assert.That(failure.Request.PageNumber, Is.EqualTo(25));
        Assert.That(failure.Message, Does.Contain("25 empty pages in a row").And.Contain("SyncOptions.MaxEmptyPagesInARow"));
        Assert.That(_server.Requests - before, Is.InRange(25, 26), "no request after the bound, but the one prefetched");
        Assert.That(store.SyncToken, Is.EqualTo("s1"));
        Assert.That(store.Items.Keys.Order().ToArray(), Is.EqualTo(new[] { "a", "b" }));
    }

    [Test]
    public async Task A_server_that_answers_pages_of_items_forever_is_stopped_after_the_page_bound()
    {
        var (store, source) = await SyncedAsync();
        _answer = target => Endless(target, 2);

        var failure = Assert.ThrowsAsync<SyncPageBudgetExceededException>(() => source.SyncAsync(store, FastRetry.Options with { MaxPagesPerPass = 40 }));

        Assert.That(failure!.Limit, Is.EqualTo(40));
        Assert.That(failure.IsEmptyPagesBound, Is.False);
        Assert.That(failure.Request.PageNumber, Is.EqualTo(40));
        Assert.That(failure.EmptyPagesInARow, Is.Zero);
        Assert.That(failure.Message, Does.Contain("reached 40 pages").And.Contain("SyncOptions.MaxPagesPerPass"));
        Assert.That(store.SyncToken, Is.EqualTo("s1"));
        Assert.That(store.Items.Keys.Order().ToArray(), Is.EqualTo(new[] { "a", "b" }));
    }

    // Real feeds send runs of empty pages (a filtered listing, Drive's changes): a page with an entry starts the count again,
    // and a pass that ends within both bounds commits as before.
    [Test]
    public async Task Empty_pages_within_the_bounds_end_the_pass_normally()
    {
        var (store, source) = await SyncedAsync();
        _answer = target => PageTokenOf(target) switch
        {
            15 => """{"items":[{"id":"c","status":"confirmed"}],"nextPageToken":"t16"}""",
            30 => """{"items":[],"nextSyncToken":"s2"}""",
            var n => $"{{\"items\":[],\"nextPageToken\":\"t{n + 1}\"}}",
        };

        var result = await source.SyncAsync(store, FastRetry.Options with { MaxEmptyPagesInARow = 16, MaxPagesPerPass = 31 });

        Assert.That(result.Pages, Is.EqualTo(31));
        Assert.That(store.SyncToken, Is.EqualTo("s2"));
        Assert.That(store.Items.Keys.Order().ToArray(), Is.EqualTo(new[] { "a", "b", "c" }));
    }

    [Test]
    public void The_default_bounds_are_generous_and_a_bound_below_one_is_refused()
    {
        Assert.That(SyncOptions.Default.MaxPagesPerPass, Is.EqualTo(100_000));
        Assert.That(SyncOptions.Default.MaxEmptyPagesInARow, Is.EqualTo(1_000));

        var store = new InMemorySyncStore<Named>();
        var source = new SyncHttpPageSource<Named>(_http, SyncDialects.GoogleCalendar, new Uri(_server.BaseUri, "/events"));
        var error = Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => source.SyncAsync(store, FastRetry.Options with { MaxPagesPerPass = 0 }));
        Assert.That(error!.ParamName, Is.EqualTo(nameof(SyncOptions.MaxPagesPerPass)));
        Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => source.SyncAsync(store, FastRetry.Options with { MaxEmptyPagesInARow = 0 }));
        Assert.That(_server.Requests, Is.Zero);
    }
}
