using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;

namespace SyncGen.PostgreSql;

/// <summary>Request budgets kept in the fleet's PostgreSQL database, so that every worker draws from the same ones.</summary>
/// <remarks>
/// A token bucket per quota key, refilled by time in the statement that takes from it, and concurrency slots for keys
/// that bound requests in flight.
/// One admission is one <c>UPDATE ... RETURNING</c> that refills every key of the request by the database's clock, takes
/// the same number of tokens from each (the fewest any of them holds) and answers how long until the next token. The
/// requests of one worker waiting on the same keys share that trip: a busy worker pays one statement for a batch of
/// requests, not one per request. A key with <see cref="SyncQuotaLimit.MaxConcurrent"/> also takes a slot row (one
/// more statement, and one to free it). The tables live in the store's schema (<see cref="PostgreSqlSyncStoreOptions.Schema"/>).
/// When the database cannot be reached, the requests waiting for an admission fail with its exception: their sync call
/// fails and is retried by the worker's backoff, as it would have failed on the store.
/// </remarks>
public sealed class PostgreSqlSyncQuota : ISyncQuota
{
    private readonly PostgreSqlSyncDatabase _database;
    private readonly PostgreSqlSyncQuotaOptions _options;
    private readonly ConcurrentDictionary<string, KeySet> _sets = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _slotKeys = new(StringComparer.Ordinal);
    private long _admissions;

    /// <summary>Creates the quota on a database's pool and schema.</summary>
    /// <param name="database">The fleet's database; its schema gets the quota tables.</param>
    /// <param name="options">Settings; defaults when <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">The options are out of range.</exception>
    public PostgreSqlSyncQuota(PostgreSqlSyncDatabase database, PostgreSqlSyncQuotaOptions? options = null)
    {
        _database = database ?? throw new ArgumentNullException(nameof(database));
        _options = options ?? new PostgreSqlSyncQuotaOptions();
        _options.Validate();
    }

    private string Schema => _database.Schema;

    /// <inheritdoc />
    public async ValueTask<SyncQuotaAdmission> AdmitAsync(IReadOnlyList<SyncQuotaKey> keys, CancellationToken cancellationToken)
    {
        var ordered = Distinct(keys);
        var set = _sets.GetOrAdd(string.Join("\n", ordered.Select(k => k.Name)), _ => new KeySet(ordered));
        var waiter = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var startPump = false;
        lock (set)
        {
            set.Waiters.Enqueue(waiter);
            if (!set.Pumping)
            {
                set.Pumping = true;
                startPump = true;
            }
        }

        if (startPump)
        {
            _ = Task.Run(() => PumpAsync(set), CancellationToken.None);
        }

        using (cancellationToken.Register(() => waiter.TrySetCanceled(cancellationToken)))
        {
            await waiter.Task.ConfigureAwait(false);
        }

        var bounded = ordered.Where(k => k.Limit.MaxConcurrent is not null).ToArray();
        if (bounded.Length == 0)
        {
            return new SyncQuotaAdmission(null);
        }

        var holder = $"{_database.Options.Holder}#{Interlocked.Increment(ref _admissions)}";
        var taken = new List<(string Key, int Slot)>(bounded.Length);
        try
        {
            foreach (var key in bounded)
            {
                taken.Add((key.Name, await TakeSlotAsync(key, holder, cancellationToken).ConfigureAwait(false)));
            }
        }
        catch
        {
            await FreeSlotsAsync(taken, holder).ConfigureAwait(false);
            throw;
        }

        return new SyncQuotaAdmission(() => FreeSlotsAsync(taken, holder));
    }

    /// <inheritdoc />
    public async ValueTask SlowDownAsync(IReadOnlyList<SyncQuotaKey> keys, TimeSpan pause, CancellationToken cancellationToken)
    {
        var ordered = Distinct(keys);
        await EnsureBucketsAsync(ordered, cancellationToken).ConfigureAwait(false);
        await using var command = _database.DataSource.CreateCommand(
            $"""
            UPDATE {Schema}.quota_buckets SET tokens = 0, refilled_at = greatest(refilled_at, clock_timestamp() + $2)
            WHERE key = ANY($1);
            """);
        command.Parameters.AddWithValue(ordered.Select(k => k.Name).ToArray());
        command.Parameters.AddWithValue(pause > TimeSpan.Zero ? pause : TimeSpan.Zero);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One key once (the first limit given wins), in name order: rows are always locked in the same order, so two takes never deadlock.</summary>
    private static SyncQuotaKey[] Distinct(IReadOnlyList<SyncQuotaKey> keys)
    {
        if (keys is null || keys.Count == 0)
        {
            throw new ArgumentException("A request to admit names at least one quota key.", nameof(keys));
        }

        return keys.GroupBy(k => k.Name, StringComparer.Ordinal).Select(g => g.First()).OrderBy(k => k.Name, StringComparer.Ordinal).ToArray();
    }

    /// <summary>Admits the waiters of one key set, a batch per trip, until none is left.</summary>
    private async Task PumpAsync(KeySet set)
    {
        while (true)
        {
            int wanted;
            lock (set)
            {
                while (set.Waiters.Count > 0 && set.Waiters.Peek().Task.IsCompleted)
                {
                    set.Waiters.Dequeue(); // cancelled while waiting
                }

                wanted = Math.Min(set.Waiters.Count(w => !w.Task.IsCompleted), _options.MaxBatch);
                if (wanted == 0)
                {
                    set.Pumping = false;
                    return;
                }
            }

            int granted;
            TimeSpan wait;
            try
            {
                (granted, wait) = await TakeAsync(set, wanted).ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                // The database is away or refused: the waiting requests fail (their sync call fails and is retried
                // later); the next request starts a new pump.
                lock (set)
                {
                    while (set.Waiters.Count > 0)
                    {
                        set.Waiters.Dequeue().TrySetException(exception);
                    }

                    set.Pumping = false;
                }

                return;
            }

            lock (set)
            {
                while (granted > 0 && set.Waiters.Count > 0)
                {
                    if (set.Waiters.Dequeue().TrySetResult(true))
                    {
                        granted--;
                    }
                }
            }

            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait < _options.MaxWait ? wait : _options.MaxWait, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Takes up to <paramref name="wanted"/> tokens from every key of the set; returns how many, and how long until the next one is due when short.</summary>
    private async Task<(int Granted, TimeSpan Wait)> TakeAsync(KeySet set, int wanted)
    {
        if (!set.Ensured)
        {
            await EnsureBucketsAsync(set.Keys, CancellationToken.None).ConfigureAwait(false);
            set.Ensured = true;
        }

        // The time is read once; a take that waited for another's row lock then sees that take's refilled_at, later
        // than its own clock, and refills nothing for the wait (never more than the budget).
        await using var command = _database.DataSource.CreateCommand(
            $"""
            WITH t AS (SELECT clock_timestamp() AS at),
            want AS (SELECT * FROM unnest($1::text[], $2::float8[], $3::float8[]) AS w(key, capacity, rate)),
            cur AS (
                SELECT b.key, w.rate, b.refilled_at,
                       least(w.capacity, b.tokens + w.rate * greatest(0, extract(epoch FROM t.at - b.refilled_at))) AS available
                FROM {Schema}.quota_buckets b JOIN want w ON w.key = b.key CROSS JOIN t
                ORDER BY b.key
                FOR UPDATE OF b),
            g AS (SELECT least($4, greatest(0, floor(min(available))))::int AS n, count(*) AS keys FROM cur)
            UPDATE {Schema}.quota_buckets b
            SET tokens = cur.available - g.n, refilled_at = greatest(b.refilled_at, t.at)
            FROM cur, g, t
            WHERE b.key = cur.key
            RETURNING g.n, g.keys,
                      greatest(0, extract(epoch FROM b.refilled_at - t.at)) + greatest(0, 1 - (cur.available - g.n)) / cur.rate;
            """);
        command.Parameters.AddWithValue(set.Names);
        command.Parameters.AddWithValue(set.Capacities);
        command.Parameters.AddWithValue(set.Rates);
        command.Parameters.AddWithValue(wanted);
        var granted = 0;
        var waitSeconds = 0.0;
        var rows = 0;
        await using (var reader = await command.ExecuteReaderAsync(CancellationToken.None).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(CancellationToken.None).ConfigureAwait(false))
            {
                rows++;
                granted = reader.GetInt32(0);
                waitSeconds = Math.Max(waitSeconds, reader.GetDouble(2));
            }
        }

        if (rows < set.Keys.Length)
        {
            // A bucket row is missing (deleted by hand): nothing was taken from the others' short set; create and retry.
            set.Ensured = false;
            return (0, TimeSpan.Zero);
        }

        return (granted, granted < wanted ? TimeSpan.FromSeconds(Math.Max(waitSeconds, 0.001)) : TimeSpan.Zero);
    }

    private async Task EnsureBucketsAsync(IReadOnlyList<SyncQuotaKey> keys, CancellationToken cancellationToken)
    {
        await _database.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.DataSource.CreateCommand(
            $"""
            INSERT INTO {Schema}.quota_buckets (key, tokens, refilled_at)
            SELECT key, capacity, clock_timestamp() FROM unnest($1::text[], $2::float8[]) AS w(key, capacity)
            ON CONFLICT (key) DO NOTHING;
            """);
        command.Parameters.AddWithValue(keys.Select(k => k.Name).ToArray());
        command.Parameters.AddWithValue(keys.Select(k => (double)k.Limit.Burst).ToArray());
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Takes a free slot of <paramref name="key"/>, waiting while all are taken.</summary>
    private async Task<int> TakeSlotAsync(SyncQuotaKey key, string holder, CancellationToken cancellationToken)
    {
        var slots = key.Limit.MaxConcurrent!.Value;
        if (!_slotKeys.ContainsKey(key.Name))
        {
            await using var ensure = _database.DataSource.CreateCommand(
                $"""
                INSERT INTO {Schema}.quota_slots (key, slot, holder, expires_at)
                SELECT $1, s, '', '-infinity' FROM generate_series(0, $2 - 1) AS s
                ON CONFLICT (key, slot) DO NOTHING;
                """);
            ensure.Parameters.AddWithValue(key.Name);
            ensure.Parameters.AddWithValue(slots);
            await ensure.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            _slotKeys[key.Name] = true;
        }

        while (true)
        {
            // SKIP LOCKED: a slot another worker is taking right now is not waited for; the next free one is taken.
            await using var command = _database.DataSource.CreateCommand(
                $"""
                UPDATE {Schema}.quota_slots SET holder = $3, expires_at = clock_timestamp() + $4
                WHERE (key, slot) IN (
                    SELECT key, slot FROM {Schema}.quota_slots
                    WHERE key = $1 AND slot < $2 AND expires_at < clock_timestamp()
                    ORDER BY slot LIMIT 1 FOR UPDATE SKIP LOCKED)
                RETURNING slot;
                """);
            command.Parameters.AddWithValue(key.Name);
            command.Parameters.AddWithValue(slots);
            command.Parameters.AddWithValue(holder);
            command.Parameters.AddWithValue(_options.SlotLease);
            if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is int slot)
            {
                return slot;
            }

            var jitter = TimeSpan.FromTicks((long)(Random.Shared.NextDouble() * _options.SlotPollInterval.Ticks));
            await Task.Delay(_options.SlotPollInterval + jitter, cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask FreeSlotsAsync(List<(string Key, int Slot)> taken, string holder)
    {
        if (taken.Count == 0)
        {
            return;
        }

        // Only while still ours: a slot whose lease ran out may already be another request's.
        await using var command = _database.DataSource.CreateCommand(
            $"""
            UPDATE {Schema}.quota_slots SET expires_at = '-infinity', holder = ''
            WHERE holder = $3 AND (key, slot) IN (SELECT * FROM unnest($1::text[], $2::int[]));
            """);
        command.Parameters.AddWithValue(taken.Select(t => t.Key).ToArray());
        command.Parameters.AddWithValue(taken.Select(t => t.Slot).ToArray());
        command.Parameters.AddWithValue(holder);
        await command.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>The requests of this worker waiting on one set of keys, and whether a pump is admitting them.</summary>
    private sealed class KeySet(SyncQuotaKey[] keys)
    {
        public SyncQuotaKey[] Keys { get; } = keys;

        public string[] Names { get; } = keys.Select(k => k.Name).ToArray();

        public double[] Capacities { get; } = keys.Select(k => (double)k.Limit.Burst).ToArray();

        public double[] Rates { get; } = keys.Select(k => k.Limit.RefillPerSecond).ToArray();

        public Queue<TaskCompletionSource<bool>> Waiters { get; } = new();

        public bool Pumping { get; set; }

        public volatile bool Ensured;
    }
}
