using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace SyncGen.Testing.FakeServer;

/// <summary>
/// The HTTP half both embedded servers share (<see cref="FakeCalendarServer"/>, <see cref="FakeSyncServer"/>): Kestrel on
/// 127.0.0.1 without console lifetime, the raw query parser that keeps order and repeats, and the response writers
/// (gzip, a cut connection, a fault's raw answer).
/// </summary>
internal static class EmbeddedHttpHost
{
    /// <summary>Starts Kestrel on 127.0.0.1 and returns the app and its origin (<c>http://127.0.0.1:port</c>, no slash).</summary>
    public static async Task<(WebApplication App, string Origin)> StartAsync(int port, ILoggerFactory? loggerFactory, RequestDelegate handler, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(EmbeddedHttpHost).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        if (loggerFactory is not null)
        {
            builder.Services.AddSingleton(loggerFactory);
        }

        // The default console lifetime would stop this embedded server on Ctrl+C of the host process (the demo console
        // apps handle that themselves), and would print "Application started" lines.
        builder.Services.AddSingleton<IHostLifetime, EmbeddedLifetime>();
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Loopback, port);
        });

        var app = builder.Build();
        app.Run(handler);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>();
        var address = addresses?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("Kestrel reported no listening address.");
        return (app, address.TrimEnd('/'));
    }

    /// <summary>Parses the raw query string, keeping the client's order and repeats (the parsed collection would merge them).</summary>
    public static List<KeyValuePair<string, string>> ParseQuery(string? queryString)
    {
        var pairs = new List<KeyValuePair<string, string>>();
        if (string.IsNullOrEmpty(queryString))
        {
            return pairs;
        }

        foreach (var part in queryString.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? part : part[..equals];
            var value = equals < 0 ? string.Empty : part[(equals + 1)..];
            pairs.Add(new KeyValuePair<string, string>(Unescape(name), Unescape(value)));
        }

        return pairs;
    }

    /// <summary>
    /// Writes a JSON response, gzip-compressed when <paramref name="gzip"/> says so.
    /// </summary>
    /// <param name="context">The exchange.</param>
    /// <param name="status">The status code.</param>
    /// <param name="body">The body.</param>
    /// <param name="announcedLength">When set, the Content-Length announced although only <paramref name="body"/> is sent,
    /// after which the connection is aborted: a response cut by a dropped connection.</param>
    /// <param name="gzip">Whether to compress (ignored for a cut response).</param>
    public static async Task<int> WriteJsonAsync(HttpContext context, int status, byte[] body, int? announcedLength, bool gzip)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType ??= "application/json; charset=UTF-8";
        if (announcedLength is null && gzip)
        {
            body = Gzip(body);
            response.Headers.ContentEncoding = "gzip";
        }

        response.ContentLength = announcedLength ?? body.Length;
        await response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
        if (announcedLength is not null)
        {
            await response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
            context.Abort();
        }

        return status;
    }

    /// <summary>
    /// Writes an answer of the <see cref="FaultInterpreter"/>: a reset aborts the connection, a raw answer goes out exactly
    /// as given, anything else as JSON (gzip-compressed when <paramref name="gzip"/>).
    /// </summary>
    /// <param name="context">The exchange.</param>
    /// <param name="answer">The answer.</param>
    /// <param name="gzip">Whether the client accepts gzip (raw and cut answers are never compressed).</param>
    /// <returns>The status sent; 0 for a reset.</returns>
    public static async Task<int> WriteAnswerAsync(HttpContext context, ServedAnswer answer, bool gzip)
    {
        if (answer.Abort)
        {
            context.Abort();
            return 0;
        }

        var response = context.Response;
        SetRetryAfter(response, answer.RetryAfter);
        foreach (var header in answer.Headers)
        {
            response.Headers[header.Key] = header.Value;
        }

        if (!answer.Raw)
        {
            return await WriteJsonAsync(context, answer.StatusCode, answer.Body, answer.AnnouncedLength, gzip).ConfigureAwait(false);
        }

        response.StatusCode = answer.StatusCode;
        if (answer.ContentType is not null)
        {
            response.ContentType = answer.ContentType;
        }

        response.ContentLength = answer.Body.Length;
        await response.Body.WriteAsync(answer.Body, context.RequestAborted).ConfigureAwait(false);
        return answer.StatusCode;
    }

    /// <summary>Sets <c>Retry-After</c> in whole seconds, rounded up.</summary>
    private static void SetRetryAfter(HttpResponse response, TimeSpan? retryAfter)
    {
        if (retryAfter is { } value)
        {
            response.Headers.RetryAfter = ((long)Math.Ceiling(value.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }
    }

    /// <summary>Whether the request accepts gzip (and, when <paramref name="requiresUserAgent"/>, names gzip in its User-Agent too).</summary>
    public static bool AcceptsGzip(HttpRequest request, bool requiresUserAgent)
    {
        var accepts = request.Headers.AcceptEncoding.Any(value => value is not null && value.Contains("gzip", StringComparison.OrdinalIgnoreCase));
        return accepts && (!requiresUserAgent
            || request.Headers.UserAgent.Any(value => value is not null && value.Contains("gzip", StringComparison.OrdinalIgnoreCase)));
    }

    private static byte[] Gzip(byte[] body)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(body);
        }

        return output.ToArray();
    }

    private static string Unescape(string text) => Uri.UnescapeDataString(text.Replace('+', ' '));

    /// <summary>A host lifetime that neither listens to Ctrl+C nor prints anything: the embedding process owns both.</summary>
    private sealed class EmbeddedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

/// <summary>
/// What both embedded servers keep of their traffic: the request journal (thread-safe, read in arrival order) and the
/// stop sequence (cancel waiting delay faults, then stop and dispose Kestrel once).
/// </summary>
internal sealed class EmbeddedServerState
{
    private readonly object _journalGate = new();
    private readonly List<RecordedRequest> _journal = new();

    // Requests being answered, and the waiters for none; both guarded by _journalGate.
    private int _answering;
    private TaskCompletionSource? _idle;
    private int _disposed;

    /// <summary>Cancelled when the server stops, so delay faults end.</summary>
    public CancellationTokenSource Stopping { get; } = new();

    /// <summary>The journal, ordered by arrival.</summary>
    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_journalGate)
            {
                return _journal.OrderBy(entry => entry.Sequence).ToArray();
            }
        }
    }

    /// <summary>Marks a request as being answered; <see cref="Record"/> ends it.</summary>
    public void BeginRequest()
    {
        lock (_journalGate)
        {
            _answering++;
        }
    }

    /// <summary>Journals a request begun with <see cref="BeginRequest"/>, which ends it.</summary>
    public void Record(RecordedRequest entry)
    {
        TaskCompletionSource? idle = null;
        lock (_journalGate)
        {
            _journal.Add(entry);
            if (--_answering == 0)
            {
                (idle, _idle) = (_idle, null);
            }
        }

        idle?.TrySetResult();
    }

    /// <summary>
    /// Completes when no request is being answered, so the journal holds every request whose answer a client has seen.
    /// A handler journals its request after the answer went out (an aborted connection reaches the client before the
    /// handler's last line runs), so a journal read as soon as the client's call returns could miss that request, and
    /// the next call's journal, emptied first, would then receive it. Bounded by the handlers themselves: a delay fault
    /// ends with its delay or with the client's disconnect.
    /// </summary>
    public Task WhenIdleAsync(CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            // A cancelled wait is cancelled even when there is nothing to wait for, as callers of a public wait expect.
            return Task.FromCanceled(cancellationToken);
        }

        lock (_journalGate)
        {
            if (_answering == 0)
            {
                return Task.CompletedTask;
            }

            _idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _idle.Task.WaitAsync(cancellationToken);
        }
    }

    public void ClearRequests()
    {
        lock (_journalGate)
        {
            _journal.Clear();
        }
    }

    /// <summary>Waits out a delay fault (and the delays it chains to); returns the fault served after them, null for the normal answer.</summary>
    public async Task<Fault?> WaitOutDelaysAsync(Fault? fault, HttpContext context)
    {
        while (fault is { Kind: FaultKind.Delay })
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, Stopping.Token);
            await Task.Delay(fault.DelayDuration, linked.Token).ConfigureAwait(false);
            fault = fault.Then;
        }

        return fault;
    }

    /// <summary>Stops the app once; later calls return at once.</summary>
    public async ValueTask StopAsync(WebApplication app)
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await Stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            await app.DisposeAsync().ConfigureAwait(false);
            Stopping.Dispose();
        }
    }
}
