using System;
using System.Collections.Concurrent;
using System.IO;
using System.Linq;
using System.Net;
using System.Text;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SyncGen.Tests.Shared;

/// <summary>One request as <see cref="WireApi"/> received it: method, path, query, body and its content type.</summary>
internal sealed record WireRequest(string Method, string Path, string Query, string Body, string? ContentType)
{
    /// <summary>A query parameter's value, or null.</summary>
    public string? Parameter(string name) => Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(Query).TryGetValue(name, out var value) ? value.ToString() : null;
}

/// <summary>An answer of <see cref="WireApi"/>: a status and a JSON body.</summary>
internal sealed record WireAnswer(int Status, string Body)
{
    public static WireAnswer Json(string body) => new(200, body);
}

/// <summary>
/// A sync-token API for the wire shapes the kit's servers may not serve yet (POST bodies, cursors with has_more, change
/// records of several arrays): Kestrel on 127.0.0.1 on a port the system picks, answering each request from a function
/// of the whole request the test writes, and keeping every request for the test to read.
/// </summary>
internal sealed class WireApi : IAsyncDisposable
{
    private readonly WebApplication _app;

    private WireApi(WebApplication app, Uri baseUri)
    {
        _app = app;
        BaseUri = baseUri;
    }

    /// <summary>The origin with a trailing slash.</summary>
    public Uri BaseUri { get; }

    /// <summary>Every request, in arrival order.</summary>
    public ConcurrentQueue<WireRequest> Requests { get; } = new();

    public static async Task<WireApi> StartAsync(Func<WireRequest, WireAnswer> answer)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        WireApi? api = null;
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            var request = new WireRequest(context.Request.Method, context.Request.Path.Value ?? "/", context.Request.QueryString.Value ?? string.Empty,
                await reader.ReadToEndAsync(), context.Request.ContentType);
            api!.Requests.Enqueue(request);
            var reply = answer(request);
            context.Response.StatusCode = reply.Status;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(reply.Body);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        api = new WireApi(app, new Uri(address.TrimEnd('/') + "/"));
        return api;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
