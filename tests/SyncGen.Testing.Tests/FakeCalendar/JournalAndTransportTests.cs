using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Testing.FakeServer;

namespace SyncGen.Testing.Tests.FakeCalendarTests;

public sealed class JournalAndTransportTests : FakeCalendarTestBase
{
    [Test]
    public async Task Journal_records_query_parameters_in_order_decoded_with_status_and_calendar()
    {
        Server.Primary.AddMany(1);

        await Api.GetAsync("maxResults=5&q=team+sync&timeMin=2026-01-01T00%3A00%3A00Z&q=again", "a@b.com");
        await Api.GetAsync("maxResults=0");

        var requests = Server.Requests;
        Assert.That(requests, Has.Count.EqualTo(2));
        var first = requests[0];
        Assert.That(first.Method, Is.EqualTo("GET"));
        Assert.That(first.Path, Is.EqualTo("/calendar/v3/calendars/a@b.com/events"));
        Assert.That(first.CalendarId, Is.EqualTo("a@b.com"));
        Assert.That(first.Query, Is.EqualTo(new[]
        {
            new KeyValuePair<string, string>("maxResults", "5"),
            new KeyValuePair<string, string>("q", "team sync"),
            new KeyValuePair<string, string>("timeMin", "2026-01-01T00:00:00Z"),
            new KeyValuePair<string, string>("q", "again"),
        }));
        Assert.That(first.GetQueryValue("q"), Is.EqualTo("team sync"));
        Assert.That(first.StatusCode, Is.EqualTo(200));
        Assert.That(first.FaultFired, Is.False);
        Assert.That(first.Time, Is.Not.EqualTo(default(DateTimeOffset)));
        Assert.That(requests[1].StatusCode, Is.EqualTo(400));
        Assert.That(requests[1].Sequence, Is.GreaterThan(first.Sequence));

        Server.ClearRequests();
        Assert.That(Server.Requests, Is.Empty);
    }

    [Test]
    public async Task Journal_marks_faulted_requests()
    {
        Server.Faults.Enqueue(Fault.BackendError());

        await Api.GetAsync(string.Empty);
        await Api.GetAsync(string.Empty);

        Assert.That(Server.Requests.Select(r => r.FaultFired), Is.EqualTo(new[] { true, false }));
        Assert.That(Server.Requests[0].Fault!.Description, Is.EqualTo("Status(500 backendError)"));
        Assert.That(Server.Requests[0].StatusCode, Is.EqualTo(500));
    }

    [Test]
    public async Task Concurrent_requests_are_all_served_and_journaled()
    {
        Server.Primary.AddMany(50);

        var pages = await Task.WhenAll(Enumerable.Range(0, 24).Select(_ => Api.GetAsync("maxResults=10")));

        Assert.That(pages.Select(p => p.Status), Is.All.EqualTo(HttpStatusCode.OK));
        Assert.That(pages.Select(p => p.Body).Distinct().Count(), Is.EqualTo(1));
        Assert.That(Server.Requests, Has.Count.EqualTo(24));
        Assert.That(Server.Requests.Select(r => r.Sequence), Is.Unique);
    }

    [Test]
    public async Task Gzip_is_used_when_accepted()
    {
        Server.Primary.AddMany(5);
        using var raw = new HttpClient(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.None });

        using var plainRequest = new HttpRequestMessage(HttpMethod.Get, Server.EventsUri());
        using var plain = await raw.SendAsync(plainRequest);
        using var gzipRequest = new HttpRequestMessage(HttpMethod.Get, Server.EventsUri());
        gzipRequest.Headers.AcceptEncoding.ParseAdd("gzip");
        using var gzipped = await raw.SendAsync(gzipRequest);

        var plainBody = await plain.Content.ReadAsStringAsync();
        await using var compressed = await gzipped.Content.ReadAsStreamAsync();
        await using var gzip = new GZipStream(compressed, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        var unzipped = await reader.ReadToEndAsync();

        Assert.That(plain.Content.Headers.ContentEncoding, Is.Empty);
        Assert.That(gzipped.Content.Headers.ContentEncoding, Is.EqualTo(new[] { "gzip" }));
        Assert.That(unzipped, Is.EqualTo(plainBody));
        Assert.That(JsonNode.Parse(unzipped)!["items"]!.AsArray(), Has.Count.EqualTo(5));
    }

    [Test]
    public async Task Two_servers_with_the_same_history_serve_identical_bytes()
    {
        await using var other = await FakeCalendarServer.StartAsync();
        using var otherApi = new FakeCalendarApi(other);
        foreach (var server in new[] { Server, other })
        {
            server.Primary.AddMany(30);
            server.Primary.Delete("evt-000007");
            server.Primary.Upsert(new FakeEvent("evt-000008", "Changed", DateTimeOffset.Parse("2026-07-01T10:00:00Z")));
        }

        var mine = await Api.ListAllAsync("maxResults=7&showDeleted=true");
        var theirs = await otherApi.ListAllAsync("maxResults=7&showDeleted=true");

        Assert.That(theirs.Pages.Select(p => p.Body), Is.EqualTo(mine.Pages.Select(p => p.Body)));
        Assert.That(other.BaseUri, Is.Not.EqualTo(Server.BaseUri));
    }
}

public sealed class FakeCalendarModelTests
{
    [Test]
    public async Task Mutations_append_versions_on_the_deterministic_clock()
    {
        await using var server = await FakeCalendarServer.StartAsync();
        var calendar = server.GetCalendar("c");
        var start = DateTimeOffset.Parse("2026-03-02T09:00:00Z");

        var created = calendar.Upsert(new FakeEvent("e1", "One", start));
        var updated = calendar.Upsert(new FakeEvent("e1", "One again", start));

        Assert.That(created.Position, Is.EqualTo(1));
        Assert.That(created.ETag, Is.EqualTo("\"1\""));
        Assert.That(created.Updated, Is.EqualTo(DateTimeOffset.Parse("2026-01-01T00:00:00Z")));
        Assert.That(updated.Updated, Is.EqualTo(DateTimeOffset.Parse("2026-01-01T00:00:01Z")));
        Assert.That(updated.Created, Is.EqualTo(created.Updated));
        Assert.That(calendar.Delete("e1"), Is.True);
        Assert.That(calendar.Delete("e1"), Is.False);
        Assert.That(calendar.Delete("never"), Is.False);
        Assert.That(calendar.Position, Is.EqualTo(3));
        Assert.That(calendar.Find("e1")!.Event.IsCancelled, Is.True);
        Assert.That(calendar.LiveEvents, Is.Empty);
        Assert.That(calendar.AddMany(2, "x", firstIndex: 7), Is.EqualTo(new[] { "x-000007", "x-000008" }));
    }

    [Test]
    public async Task Dispose_cancels_requests_held_by_a_delay()
    {
        var server = await FakeCalendarServer.StartAsync();
        using var api = new FakeCalendarApi(server);
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.Faults.Enqueue(new FaultRule(Fault.Delay(TimeSpan.FromMinutes(5))) { When = _ => held.TrySetResult() });
        var pending = api.GetAsync(string.Empty);
        await held.Task.WaitAsync(TimeSpan.FromSeconds(30));

        var watch = System.Diagnostics.Stopwatch.StartNew();
        await server.DisposeAsync();
        watch.Stop();

        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)));
        Assert.That(async () => await pending, Throws.InstanceOf<HttpRequestException>());
    }

    [Test]
    public async Task Injected_TimeProvider_stamps_updated()
    {
        var clock = new FixedClock(DateTimeOffset.Parse("2030-05-06T07:08:09.1234567Z"));
        await using var server = await FakeCalendarServer.StartAsync(new FakeCalendarServerOptions { TimeProvider = clock });

        var version = server.Primary.Upsert(new FakeEvent("e", "E", clock.Now));

        Assert.That(version.Updated, Is.EqualTo(DateTimeOffset.Parse("2030-05-06T07:08:09.123Z")));
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
