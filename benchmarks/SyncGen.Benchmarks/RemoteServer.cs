using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Threading.Tasks;
using SyncGen.Testing.FakeServer;

namespace SyncGen.Benchmarks;

/// <summary>
/// The fake Calendar server in a child process (this same program, verb <c>serve</c>). The allocation and memory
/// benchmarks need it: in process, the server's own allocations (rendering and gzipping every page) and its copy of
/// the collection would be counted as the client's.
/// </summary>
internal sealed class RemoteServer : IAsyncDisposable
{
    public const string ServeVerb = "serve";

    private const string PrerenderedFlag = "--prerendered";
    private const string CalendarFlag = "--calendar";

    /// <summary>
    /// The first event number of the calendars named with <c>extraCalendars</c>: every event of them then has a number of
    /// seven digits, so its id and summary are as long in a calendar of 100,000 events as in one of 1,000,000, and so is
    /// each page.
    /// </summary>
    private const int ExtraCalendarFirstIndex = 1_000_000;
    private const string RendersVerb = "renders";

    private readonly Process _process;

    private RemoteServer(Process process, Uri baseUri)
    {
        _process = process;
        BaseUri = baseUri;
    }

    public Uri BaseUri { get; }

    /// <summary>Starts a child server seeded with <paramref name="events"/> events and waits until it listens.</summary>
    /// <param name="events">How many events the calendar <c>primary</c> holds.</param>
    /// <param name="prerendered">
    /// Whether the client talks to a <see cref="PrerenderedPageServer"/> in front of the fake server, which replays every
    /// response it has rendered once, so that the server does not take CPU from the measured client.
    /// </param>
    /// <param name="extraCalendars">More calendars to serve, by id, with their number of events (numbered from 1,000,000).</param>
    public static async Task<RemoteServer> StartAsync(int events, bool prerendered = false, IReadOnlyDictionary<string, int>? extraCalendars = null)
    {
        var start = SelfStartInfo(ServeVerb);
        start.ArgumentList.Add(events.ToString(CultureInfo.InvariantCulture));
        if (prerendered)
        {
            start.ArgumentList.Add(PrerenderedFlag);
        }

        foreach (var (calendar, count) in extraCalendars ?? new Dictionary<string, int>())
        {
            start.ArgumentList.Add(CalendarFlag);
            start.ArgumentList.Add(string.Create(CultureInfo.InvariantCulture, $"{calendar}={count}"));
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("The server process did not start.");
        try
        {
            while (true)
            {
                // A child that never gets ready (hung before READY, stdout still open) must not hang the run.
                var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(2)).ConfigureAwait(false)
                    ?? throw new InvalidOperationException($"The server process exited ({(process.HasExited ? process.ExitCode : -1)}) before it was ready.");
                if (line.StartsWith("READY ", StringComparison.Ordinal))
                {
                    return new RemoteServer(process, new Uri(line["READY ".Length..]));
                }
            }
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    /// <summary>Starts this same program with <paramref name="verb"/>, standard input and output redirected.</summary>
    internal static ProcessStartInfo SelfStartInfo(string verb)
    {
        var host = Environment.ProcessPath ?? throw new InvalidOperationException("The process path is unknown.");
        var start = new ProcessStartInfo(host)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };

        // Run through the apphost when there is one; under "dotnet SyncGen.Benchmarks.dll" pass the dll first.
        if (string.Equals(Path.GetFileNameWithoutExtension(host), "dotnet", StringComparison.OrdinalIgnoreCase))
        {
            start.ArgumentList.Add(Assembly.GetExecutingAssembly().Location);
        }

        start.ArgumentList.Add(verb);
        return start;
    }

    /// <summary>The child side: serve until standard input closes.</summary>
    public static async Task<int> ServeAsync(string[] args)
    {
        var events = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 0;
        await using var server = await FakeCalendarServer.StartAsync().ConfigureAwait(false);
        server.Primary.AddMany(events);
        for (var i = 0; i < args.Length - 1; i++)
        {
            if (args[i] == CalendarFlag)
            {
                var (calendar, count) = (args[i + 1].Split('=')[0], int.Parse(args[i + 1].Split('=')[1], CultureInfo.InvariantCulture));
                server.GetCalendar(calendar).AddMany(count, firstIndex: ExtraCalendarFirstIndex);
            }
        }

        await using var front = args.Contains(PrerenderedFlag) ? await PrerenderedPageServer.StartAsync(server.BaseUri).ConfigureAwait(false) : null;
        Console.WriteLine($"READY {front?.BaseUri ?? server.BaseUri}");
        Console.Out.Flush();

        // The parent closes our standard input when it is done (or dies).
        while (await Console.In.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            if (line == "quit")
            {
                break;
            }

            if (line == RendersVerb)
            {
                Console.WriteLine($"{RendersVerb} {front?.Renders ?? -1}");
                Console.Out.Flush();
                continue;
            }

            // The journal keeps every request; clearing it keeps a long run's server memory flat.
            server.ClearRequests();
        }

        return 0;
    }

    /// <summary>
    /// How many responses the child's fake server has rendered so far; -1 without the pre-rendered front. A count that
    /// does not move across measured runs shows that every page was replayed, never rendered, on the clock.
    /// </summary>
    public async Task<long> RendersAsync()
    {
        await _process.StandardInput.WriteLineAsync(RendersVerb).ConfigureAwait(false);
        await _process.StandardInput.FlushAsync().ConfigureAwait(false);
        while (true)
        {
            var line = await _process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false)
                ?? throw new InvalidOperationException("The server process exited.");
            if (line.StartsWith(RendersVerb + " ", StringComparison.Ordinal))
            {
                return long.Parse(line[(RendersVerb.Length + 1)..], CultureInfo.InvariantCulture);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _process.StandardInput.WriteLineAsync("quit").ConfigureAwait(false);
            _process.StandardInput.Close();
        }
        catch (IOException)
        {
            // Already gone.
        }

        using var timeout = new System.Threading.CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }
}
