using System;
using System.CommandLine;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SyncGen.AspNetCore;
using SyncGen.AspNetCore.Webhooks;
using SyncGen.Hosting;
using SyncGen.PostgreSql;

namespace CalendarFleet.Worker;

/// <summary><c>worker</c>: one worker process of the fleet, a Quartz.NET cluster node syncing calendars into PostgreSQL.</summary>
internal static class WorkerCommand
{
    public static Command Create()
    {
        var connection = new Option<string>("--connection") { Description = "Npgsql connection string of the fleet's database.", Required = true };
        var server = new Option<string>("--server") { Description = "API root of the Calendar v3 server, e.g. http://127.0.0.1:5000/calendar/v3/.", Required = true };
        var calendars = new Option<int>("--calendars") { Description = "How many calendars (cal-00001 ...) the fleet mirrors.", DefaultValueFactory = _ => 100 };
        var calendarList = new Option<bool>("--calendar-list") { Description = "Mirror the user's calendar list instead of --calendars: each listed calendar becomes a job as it appears and is dropped with its mirror when it leaves the list." };
        var schema = new Option<string>("--schema") { Description = "PostgreSQL schema of the mirrors.", DefaultValueFactory = _ => "fleet" };
        var scheduler = new Option<string>("--scheduler") { Description = "Quartz scheduler (cluster) name.", DefaultValueFactory = _ => "calendar-fleet" };
        var interval = new Option<double>("--interval-seconds") { Description = "Seconds between two syncs of one calendar.", DefaultValueFactory = _ => 30 };
        var lease = new Option<double>("--lease-seconds") { Description = "Collection lease length in seconds.", DefaultValueFactory = _ => 30 };
        var concurrency = new Option<int>("--concurrency") { Description = "Calendars synced at once by this worker.", DefaultValueFactory = _ => 4 };
        var name = new Option<string>("--name") { Description = "This worker's name (lease holder, Quartz instance id).", DefaultValueFactory = _ => $"worker-{Environment.ProcessId}" };
        var stopOnEof = new Option<bool>("--stop-on-stdin-eof") { Description = "Shut down gracefully when standard input closes (how the chaos run stops its workers)." };
        var quotaPerUser = new Option<int?>("--quota-per-user") { Description = "Requests per minute per user, shared by every worker through PostgreSQL; none when omitted." };
        var calendarsPerUser = new Option<int>("--calendars-per-user") { Description = "Calendars one user owns (the unit of --quota-per-user).", DefaultValueFactory = _ => 10 };
        var jitter = new Option<double>("--full-pass-jitter-seconds") { Description = "Longest random delay before a full pass (with --quota-per-user).", DefaultValueFactory = _ => 10 };
        var webhookListen = new Option<string?>("--webhook-listen") { Description = "Listen for Calendar push notifications here, e.g. http://127.0.0.1:8080; the calendars get watch channels and --interval-seconds becomes the safety-net poll." };
        var webhookAddress = new Option<string?>("--webhook-address") { Description = "The webhook's public root the server posts to (default: the --webhook-listen address plus /syncgen/webhooks/)." };
        var metrics = new Option<string>("--metrics") { Description = "Export SyncGen's metrics: none, console, or otlp (to OTEL_EXPORTER_OTLP_ENDPOINT).", DefaultValueFactory = _ => "none" };
        var statusUrl = new Option<string?>("--status-url") { Description = "Serve the status page at this http URL, e.g. http://127.0.0.1:8080/syncgen/status (port 0: any free port; loopback requests only)." };
        var metricsInterval = new Option<double>("--metrics-seconds") { Description = "Seconds between two metric exports (and fleet gauge reads).", DefaultValueFactory = _ => 60 };
        var command = new Command("worker", "Run one worker of the fleet until Ctrl+C.") { connection, server, calendars, calendarList, schema, scheduler, interval, lease, concurrency, name, stopOnEof, metrics, metricsInterval, statusUrl, webhookListen, webhookAddress, quotaPerUser, calendarsPerUser, jitter };
        command.SetAction((parse, cancellationToken) =>
        {
            // Every flag is checked here, before the host, the scheduler or a connection starts.
            var settings = new FleetSettings
            {
                ConnectionString = FleetArguments.ConnectionString(parse.GetRequiredValue(connection)),
                ServerUri = Uri.TryCreate(parse.GetRequiredValue(server), UriKind.Absolute, out var serverUri) && serverUri.Scheme is "http" or "https"
                    ? serverUri
                    : throw new ArgumentException($"--server '{parse.GetRequiredValue(server)}' is not an absolute http(s) URL"),
                Calendars = FleetArguments.InRange("--calendars", parse.GetValue(calendars), 1, FleetArguments.MaxCalendars),
                CalendarList = parse.GetValue(calendarList),
                StoreSchema = parse.GetRequiredValue(schema),
                SchedulerName = parse.GetRequiredValue(scheduler),
                Interval = FleetArguments.Seconds("--interval-seconds", parse.GetValue(interval)),
                Lease = FleetArguments.Seconds("--lease-seconds", parse.GetValue(lease)),
                Concurrency = FleetArguments.InRange("--concurrency", parse.GetValue(concurrency), 1, 1000),
                WebhookListen = FleetArguments.HttpUrl("--webhook-listen", parse.GetValue(webhookListen)),
                WebhookAddress = FleetArguments.HttpUrl("--webhook-address", parse.GetValue(webhookAddress)),
                Metrics = WorkerMetrics.Parse(parse.GetRequiredValue(metrics)),
                MetricsInterval = FleetArguments.Seconds("--metrics-seconds", parse.GetValue(metricsInterval)),
                StatusUrl = parse.GetValue(statusUrl) is { } url
                    ? Uri.TryCreate(url, UriKind.Absolute, out var status) && status.Scheme == "http" ? status : throw new ArgumentException($"--status-url '{url}' is not an absolute http URL")
                    : null,
                QuotaPerUserPerMinute = parse.GetValue(quotaPerUser) is { } quota ? FleetArguments.InRange("--quota-per-user", quota, 2, 1_000_000) : null,
                CalendarsPerUser = FleetArguments.InRange("--calendars-per-user", parse.GetValue(calendarsPerUser), 1, FleetArguments.MaxCalendars),
                FullPassJitter = FleetArguments.Seconds("--full-pass-jitter-seconds", parse.GetValue(jitter), allowZero: true),
            };
            if (settings.WebhookAddress is not null && settings.WebhookListen is null)
            {
                throw new ArgumentException("--webhook-address needs --webhook-listen: the worker must listen for the notifications it registers");
            }

            return RunAsync(settings, parse.GetRequiredValue(name), parse.GetValue(stopOnEof), cancellationToken);
        });
        return command;
    }

    public static async Task<int> RunAsync(FleetSettings settings, string name, bool stopOnStdinEof, CancellationToken cancellationToken)
    {
        // With a status URL or a webhook the worker is also a web host (Kestrel on those URLs); without either, no port is opened.
        IHostApplicationBuilder builder = settings.StatusUrl is null && settings.WebhookListen is null ? Host.CreateApplicationBuilder() : WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(options => { options.SingleLine = true; options.TimestampFormat = "HH:mm:ss.fff "; });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("SyncGen.Hosting", LogLevel.Information);
        builder.Logging.AddFilter("Quartz", LogLevel.Information);
        builder.Logging.AddFilter("CalendarFleet", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information); // "Now listening on: ..." of the status page
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(30));

        var database = PostgreSqlSyncDatabase.Create(settings.ConnectionString, new PostgreSqlSyncStoreOptions
        {
            Schema = settings.StoreSchema,
            LeaseDuration = settings.Lease,
            Holder = name,
        });
        builder.Services.AddSingleton(database);
        builder.Services.AddSingleton(settings);
        builder.Services.AddSyncGenQuota();
        builder.Services.AddSingleton(provider => FleetHttp.Create(settings, provider.GetRequiredService<SyncGen.ISyncQuota>()));
        builder.Services.AddSingleton<ISyncCollectionRunner>(provider => new CalendarRunner(
            database,
            provider.GetRequiredService<HttpClient>(),
            settings,
            new PassTags(name),
            name,
            provider.GetRequiredService<ILogger<CalendarEventsRepository>>()));
        WorkerMetrics.Add(builder.Services, settings.Metrics, settings.MetricsInterval);
        builder.Services.AddSyncGenWorker(worker =>
        {
            worker.ConnectionString = settings.ConnectionString;
            worker.SchedulerName = settings.SchedulerName;
            worker.InstanceId = name;
            worker.Interval = settings.Interval;
            worker.MaxConcurrency = settings.Concurrency;
            worker.ClusterCheckinInterval = settings.CheckinInterval;
            worker.ClusterCheckinMisfireThreshold = settings.CheckinInterval;
            worker.IdleWaitTime = TimeSpan.FromSeconds(1);
            worker.BackoffBase = TimeSpan.FromSeconds(1);
            worker.BackoffMax = TimeSpan.FromSeconds(10);
            if (settings.CalendarList)
            {
                worker.Collections.Add(CalendarRunner.CalendarListCollection);
                return;
            }

            foreach (var index in Enumerable.Range(1, settings.Calendars))
            {
                worker.Collections.Add(FleetSettings.CalendarId(index));
            }
        });

        await FleetSchema.EnsureAsync(database, cancellationToken).ConfigureAwait(false);
        if (settings.WebhookListen is not null)
        {
            WorkerWebhook.AddPush(builder.Services, settings);
        }

        using var host = Build(builder, settings);
        if (stopOnStdinEof)
        {
            var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
            _ = Task.Run(async () =>
            {
                // The parent closes our standard input to ask for a graceful stop.
                using var stdin = Console.OpenStandardInput();
                var buffer = new byte[64];
                while (await stdin.ReadAsync(buffer, CancellationToken.None).ConfigureAwait(false) > 0)
                {
                }

                lifetime.StopApplication();
            }, CancellationToken.None);
        }

        await host.RunAsync(cancellationToken).ConfigureAwait(false);
        await database.DisposeAsync().ConfigureAwait(false);
        return 0;
    }

    private static IHost Build(IHostApplicationBuilder builder, FleetSettings settings)
    {
        if (builder is not WebApplicationBuilder web)
        {
            return ((HostApplicationBuilder)builder).Build();
        }

        var urls = new[] { settings.StatusUrl, settings.WebhookListen }.OfType<Uri>().Select(url => url.GetLeftPart(UriPartial.Authority)).Distinct(StringComparer.Ordinal);
        web.WebHost.UseUrls(string.Join(';', urls));
        var app = web.Build();
        if (settings.StatusUrl is { } statusUrl)
        {
            // No policy: the page answers loopback requests only, which is what a sample run on one machine needs.
            app.MapSyncGenStatus(statusUrl.AbsolutePath.TrimEnd('/') is { Length: > 0 } path ? path : "/syncgen/status");
        }

        if (settings.WebhookListen is not null)
        {
            app.MapSyncGenWebhooks();
        }

        return app;
    }
}
