using System;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using SyncGen.PostgreSql;

namespace SyncGen.AspNetCore;

/// <summary>Maps the fleet's read-only status page.</summary>
public static class SyncStatusEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps a read-only HTML page of every collection of the <see cref="PostgreSqlSyncDatabase"/> registered as a singleton:
    /// freshness, failures, token age, lease; and a page per collection with its last error and failure history.
    /// </summary>
    /// <remarks>
    /// <c>GET {pattern}</c> is the table (<c>?sort=staleness</c>, <c>failures</c>, <c>token</c> or <c>id</c>);
    /// <c>GET {pattern}/collections/{id}</c> one collection. Rendered on the server, no script, nothing loaded from
    /// elsewhere. Without <see cref="SyncStatusPageOptions.AuthorizationPolicy"/> only loopback requests are served.
    /// </remarks>
    /// <param name="endpoints">The application's endpoints.</param>
    /// <param name="pattern">Where the page lives.</param>
    /// <param name="configure">Sets the policy, the stale threshold and the token lifetimes; defaults when <see langword="null"/>.</param>
    /// <returns>The group of the page's endpoints, for more conventions.</returns>
    public static RouteGroupBuilder MapSyncGenStatus(this IEndpointRouteBuilder endpoints, string pattern = "/syncgen/status", Action<SyncStatusPageOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(pattern);
        var options = new SyncStatusPageOptions();
        configure?.Invoke(options);

        var group = endpoints.MapGroup(pattern);
        if (options.AuthorizationPolicy is { } policy)
        {
            group.RequireAuthorization(policy);
        }
        else
        {
            group.AddEndpointFilter(static async (context, next) =>
                context.HttpContext.Connection.RemoteIpAddress is { } address && IPAddress.IsLoopback(address)
                    ? await next(context).ConfigureAwait(false)
                    : Results.Text("The SyncGen status page serves loopback requests only; give MapSyncGenStatus an authorization policy to serve others.\n", statusCode: StatusCodes.Status403Forbidden));
        }

        group.MapGet("/", (HttpContext context, string? sort) =>
            StatusPage.OverviewAsync(Database(context), options, context.Request.PathBase + pattern, sort, context.RequestAborted));
        group.MapGet("/collections/{**id}", (HttpContext context, string id) =>
            StatusPage.CollectionAsync(Database(context), options, context.Request.PathBase + pattern, id, context.RequestAborted));
        return group;
    }

    private static PostgreSqlSyncDatabase Database(HttpContext context) => context.RequestServices.GetRequiredService<PostgreSqlSyncDatabase>();
}
