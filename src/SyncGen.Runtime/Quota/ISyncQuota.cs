using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace SyncGen;

/// <summary>A request budget shared by every worker of a fleet; <see cref="SyncQuotaHandler"/> asks it before each request.</summary>
/// <remarks>SyncGen.PostgreSql's <c>PostgreSqlSyncQuota</c> keeps the budgets in the fleet's database.</remarks>
public interface ISyncQuota
{
    /// <summary>Waits until one request may go through every one of <paramref name="keys"/>, and takes it from each.</summary>
    /// <param name="keys">The budgets the request draws from.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The admission; dispose it when the request is done, to free its concurrency slots.</returns>
    ValueTask<SyncQuotaAdmission> AdmitAsync(IReadOnlyList<SyncQuotaKey> keys, CancellationToken cancellationToken);

    /// <summary>Empties <paramref name="keys"/> and pauses them for <paramref name="pause"/> for every worker: the server said the budget is spent.</summary>
    /// <param name="keys">The budgets to slow.</param>
    /// <param name="pause">How long no request goes through them; afterwards they refill from empty.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the pause is recorded.</returns>
    ValueTask SlowDownAsync(IReadOnlyList<SyncQuotaKey> keys, TimeSpan pause, CancellationToken cancellationToken);
}

/// <summary>A request let through by an <see cref="ISyncQuota"/>; disposing it frees the concurrency slots it holds.</summary>
public sealed class SyncQuotaAdmission : IAsyncDisposable
{
    private Func<ValueTask>? _release;

    /// <summary>Creates an admission.</summary>
    /// <param name="release">Frees what the admission holds; called once, or <see langword="null"/> when it holds nothing.</param>
    public SyncQuotaAdmission(Func<ValueTask>? release) => _release = release;

    /// <summary>Frees the admission's concurrency slots (once).</summary>
    /// <returns>A task that completes when they are freed.</returns>
    public ValueTask DisposeAsync() => Interlocked.Exchange(ref _release, null) is { } release ? release() : default;
}
