using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Testing.FakeServer;

namespace SyncGen.Testing.Conformance.FanOut;

/// <summary>One fan-out scenario: what the calendar list and the calendars do between two sync calls, and what must follow.</summary>
/// <param name="Name">A stable kebab-case name, e.g. <c>calendar-removed</c>.</param>
/// <param name="Description">What it checks, in one sentence.</param>
public sealed record FanOutScenario(string Name, string Description)
{
    /// <summary>Changes the server after the first (full) sync, then checks the second sync.</summary>
    internal Func<FanOutRun, Task> Run { get; init; } = static _ => Task.CompletedTask;

    /// <inheritdoc />
    public override string ToString() => Name;
}

/// <summary>
/// The fan-out scenarios: every one starts from the same three listed calendars (one of them hidden, one with an id that
/// needs escaping), syncs them all once, changes the server and syncs again.
/// </summary>
public static class FanOutScenarioCatalog
{
    /// <summary>The user's own calendar.</summary>
    public const string Primary = "primary";

    /// <summary>A hidden calendar whose id holds <c>#</c> and <c>@</c>, escaped in its events path.</summary>
    public const string Holidays = "en.usa#holiday@group.v.calendar.google.com";

    /// <summary>A shared calendar.</summary>
    public const string Team = "team@group.calendar.google.com";

    /// <summary>Every scenario, in a stable order.</summary>
    public static IReadOnlyList<FanOutScenario> All { get; } = new[]
    {
        new FanOutScenario("calendar-added", "A calendar that appears in the list gets a full events sync; the others an incremental one.")
        {
            Run = async run =>
            {
                const string added = "new@group.calendar.google.com";
                run.Server.AddToCalendarList(added, "New").Upsert(new FakeEvent("n1", "Kick-off", DateTimeOffset.UnixEpoch));
                var result = await run.SyncAsync().ConfigureAwait(false);
                Assert.That(Child(result, added).WasFullSync, Is.True, "the new calendar's first sync is a full pass");
                Assert.That(result.Children.Where(c => c.Id != added).Select(c => c.Result.WasFullSync), Is.All.False, "the others go on from their tokens");
                await run.ExpectCalendarAsync(added, "n1").ConfigureAwait(false);
                await run.ExpectListAsync(added, Holidays, Primary, Team).ConfigureAwait(false);
            },
        },
        new FanOutScenario("calendar-removed", "A calendar deleted from the list (deleted: true) loses its events mirror and token with the list's commit.")
        {
            Run = async run =>
            {
                run.Server.CalendarList.Delete(Team);
                var result = await run.SyncAsync().ConfigureAwait(false);
                Assert.That(result.RemovedChildren, Is.EqualTo(new[] { Team }));
                Assert.That(result.Children.Select(c => c.Id), Does.Not.Contain(Team));
                await run.ExpectCalendarGoneAsync(Team).ConfigureAwait(false);
                await run.ExpectListAsync(Holidays, Primary).ConfigureAwait(false);
                await run.ExpectCalendarAsync(Primary, "p1", "p2").ConfigureAwait(false);
            },
        },
        new FanOutScenario("calendar-list-410", "An expired list token resyncs the list; calendars still listed keep their mirrors and tokens, one no longer listed is removed.")
        {
            Run = async run =>
            {
                var primaryToken = (await run.Repository.ReadCalendarAsync(Primary, run.Cancellation).ConfigureAwait(false)).SyncToken;
                run.Server.CalendarList.Delete(Team);
                run.Server.CalendarList.ExpireSyncTokens();
                run.Server.Primary.Upsert(new FakeEvent("p3", "Added", DateTimeOffset.UnixEpoch));
                var result = await run.SyncAsync().ConfigureAwait(false);
                Assert.That(result.Parent.WasFullSync, Is.True);
                Assert.That(result.Parent.ExpiriesRecovered, Is.EqualTo(1));
                Assert.That(Child(result, Primary).WasFullSync, Is.False, "a still-listed calendar goes on from the token it had");
                Assert.That(Child(result, Primary).StartedAs, Is.EqualTo(SyncPassKind.Incremental));
                Assert.That(primaryToken, Is.Not.Null);
                Assert.That(result.RemovedChildren, Is.EqualTo(new[] { Team }));
                await run.ExpectCalendarGoneAsync(Team).ConfigureAwait(false);
                await run.ExpectCalendarAsync(Primary, "p1", "p2", "p3").ConfigureAwait(false);
                await run.ExpectListAsync(Holidays, Primary).ConfigureAwait(false);
            },
        },
        new FanOutScenario("one-calendar-410", "An expired token of one calendar resyncs that calendar alone.")
        {
            Run = async run =>
            {
                run.Server.GetCalendar(Holidays).ExpireSyncTokens();
                run.Server.GetCalendar(Holidays).Delete("h1");
                var result = await run.SyncAsync().ConfigureAwait(false);
                Assert.That(Child(result, Holidays).WasFullSync, Is.True);
                Assert.That(Child(result, Holidays).ExpiriesRecovered, Is.EqualTo(1));
                Assert.That(result.Parent.WasFullSync, Is.False);
                Assert.That(result.Children.Where(c => c.Id != Holidays).Select(c => c.Result.WasFullSync), Is.All.False);
                await run.ExpectCalendarAsync(Holidays).ConfigureAwait(false);
            },
        },
        new FanOutScenario("one-calendar-404", "A calendar whose events answer 404 is reported by id, keeps its mirror and token, and the others are synced.")
        {
            Run = async run =>
            {
                var before = await run.Repository.ReadCalendarAsync(Team, run.Cancellation).ConfigureAwait(false);
                run.Server.Faults.Enqueue(Fault.Status(404), r => r.CalendarId == Team, int.MaxValue);
                run.Server.Primary.Upsert(new FakeEvent("p3", "Added", DateTimeOffset.UnixEpoch));
                var result = await run.SyncAsync().ConfigureAwait(false);
                Assert.That(result.Failures.Select(f => f.Id), Is.EqualTo(new[] { Team }));
                Assert.That(result.Failures[0].Error, Is.InstanceOf<SyncRequestFailedException>());
                Assert.That(((SyncRequestFailedException)result.Failures[0].Error).StatusCode, Is.EqualTo(404));
                Assert.That(result.Children.Select(c => c.Id), Is.EquivalentTo(new[] { Holidays, Primary }));
                await run.ExpectCalendarAsync(Primary, "p1", "p2", "p3").ConfigureAwait(false);
                Assert.That(await run.Repository.ReadCalendarAsync(Team, run.Cancellation).ConfigureAwait(false), Is.EqualTo(before).Using<MirrorSnapshot>(SameSnapshot));
            },
        },
        new FanOutScenario("unescapable-calendar-id", "A listed id that cannot be a path segment fails the list's pass with SyncChildIdException; nothing is written.")
        {
            Run = async run =>
            {
                var before = await run.Repository.ReadCalendarListAsync(run.Cancellation).ConfigureAwait(false);
                run.Server.AddToCalendarList("..", "Dots");
                var error = Assert.ThrowsAsync<SyncChildIdException>(run.SyncAsync)!;
                Assert.That(error.ChildId, Is.EqualTo(".."));
                Assert.That(await run.Repository.ReadCalendarListAsync(run.Cancellation).ConfigureAwait(false), Is.EqualTo(before).Using<MirrorSnapshot>(SameSnapshot));
                await run.ExpectCalendarGoneAsync("..").ConfigureAwait(false);
            },
        },
    };

    /// <summary>The scenario with this name.</summary>
    /// <param name="name">Its name.</param>
    /// <exception cref="ArgumentException">No scenario has that name.</exception>
    public static FanOutScenario Get(string name) =>
        All.FirstOrDefault(s => s.Name == name) ?? throw new ArgumentException($"No fan-out scenario is named '{name}'.", nameof(name));

    private static SyncResult Child(SyncFanOutResult result, string id) =>
        result.Children.FirstOrDefault(c => c.Id == id)?.Result ?? throw new AssertionException($"calendar '{id}' was not synced; failures: {string.Join(", ", result.Failures.Select(f => f.Id + ": " + f.Error.Message))}");

    private static bool SameSnapshot(MirrorSnapshot a, MirrorSnapshot b) => a.SyncToken == b.SyncToken && a.Items.OrderBy(i => i.Id, StringComparer.Ordinal).SequenceEqual(b.Items.OrderBy(i => i.Id, StringComparer.Ordinal));
}

/// <summary>One scenario's run: the server, the repository under test and the checks the scenarios share.</summary>
internal sealed class FanOutRun(FakeCalendarServer server, ICalendarFanOutUnderTest repository, Func<int, Task> beforeCall, CancellationToken cancellation)
{
    private int _calls;

    public FakeCalendarServer Server => server;

    public ICalendarFanOutUnderTest Repository => repository;

    public CancellationToken Cancellation => cancellation;

    /// <summary>The three calendars every scenario starts from.</summary>
    public void Seed()
    {
        server.AddToCalendarList(FanOutScenarioCatalog.Primary, "Me").Upsert(new FakeEvent("p1", "Standup", DateTimeOffset.UnixEpoch));
        server.Primary.Upsert(new FakeEvent("p2", "Retro", DateTimeOffset.UnixEpoch));
        server.AddToCalendarList(FanOutScenarioCatalog.Holidays, "Holidays in United States", hidden: true, accessRole: "reader")
            .Upsert(new FakeEvent("h1", "New Year", DateTimeOffset.UnixEpoch));
        server.AddToCalendarList(FanOutScenarioCatalog.Team, "Team").Upsert(new FakeEvent("t1", "Planning", DateTimeOffset.UnixEpoch));
    }

    /// <summary>Runs the next sync call (after <c>beforeCall</c> with its number from 1: a replay moves WireMock to that call's answers).</summary>
    public async Task<SyncFanOutResult> SyncAsync()
    {
        await beforeCall(++_calls).ConfigureAwait(false);
        return await repository.SyncAsync(cancellation).ConfigureAwait(false);
    }

    public async Task ExpectListAsync(params string[] ids)
    {
        var list = await repository.ReadCalendarListAsync(cancellation).ConfigureAwait(false);
        Assert.That(list.Items.Select(i => i.Id).Order(StringComparer.Ordinal), Is.EqualTo(ids.Order(StringComparer.Ordinal)), "calendar list mirror");
        Assert.That(list.SyncToken, Is.Not.Null, "calendar list token");
    }

    public async Task ExpectCalendarAsync(string id, params string[] eventIds)
    {
        var calendar = await repository.ReadCalendarAsync(id, cancellation).ConfigureAwait(false);
        Assert.That(calendar.Items.Select(i => i.Id).Order(StringComparer.Ordinal), Is.EqualTo(eventIds.Order(StringComparer.Ordinal)), $"events of '{id}'");
        Assert.That(calendar.SyncToken, Is.Not.Null, $"token of '{id}'");
    }

    public async Task ExpectCalendarGoneAsync(string id)
    {
        var calendar = await repository.ReadCalendarAsync(id, cancellation).ConfigureAwait(false);
        Assert.That(calendar.Items, Is.Empty, $"events of '{id}' must be gone");
        Assert.That(calendar.SyncToken, Is.Null, $"the token of '{id}' must be gone");
    }
}
