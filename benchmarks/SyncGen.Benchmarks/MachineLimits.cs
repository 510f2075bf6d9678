using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text.Json;
using System.Threading.Tasks;
using CalendarSync.CalendarApi;
using Google.Apis.Json;
using Microsoft.Data.Sqlite;

namespace SyncGen.Benchmarks;

/// <summary>
/// What the machine can do for each step of a full sync, measured by the harness in the same run as the syncs: move the
/// pages over loopback, parse them, write the rows in one SQLite transaction. Their sum is the floor a sync could reach
/// with no overlap at all between the steps; issue 12 asks a full sync to stay within 1.5x of it.
/// </summary>
internal sealed class MachineLimits : IDisposable
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private readonly HttpClient _client;
    private readonly List<Uri> _pageUris;
    private readonly List<byte[]> _pages;
    // Built just before the run that needs them and dropped after it (PrepareRows, PrepareChanges, Release): a million
    // live objects would make every gen-2 collection of the other runs slower.
    private List<(string Id, string Json)>? _rows;
    private List<SyncChange<Event>[]>? _changes;
    private readonly Newtonsoft.Json.JsonSerializer _sampleParser;

    private MachineLimits(HttpClient client, List<Uri> pageUris, List<byte[]> pages, int events)
    {
        _client = client;
        _pageUris = pageUris;
        _pages = pages;
        Events = events;

        // The sample's CalendarService reads pages with exactly this serializer (Google.Apis' settings).
        _sampleParser = Newtonsoft.Json.JsonSerializer.Create(NewtonsoftJsonSerializer.CreateDefaultSettings());
        _sampleParser.CheckAdditionalContent = true;
    }

    public int Events { get; }

    public long JsonBytes { get; private init; }

    /// <summary>
    /// Walks a full listing once (which also makes the pre-rendered server cache these exact URLs) and keeps the
    /// decompressed pages for the other limits.
    /// </summary>
    public static async Task<MachineLimits> PrepareAsync(Uri baseUri, int pageSize)
    {
        // As Google.Apis asks: gzip accepted, "gzip" in the User-Agent (Google's rule), decompressed by the handler.
        var client = new HttpClient(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.GZip });
        client.DefaultRequestHeaders.UserAgent.ParseAdd("SyncGen-Benchmarks (gzip)");
        var uris = new List<Uri>();
        var pages = new List<byte[]>();
        var events = 0;
        long bytes = 0;
        string? pageToken = null;
        do
        {
            var uri = new Uri(baseUri, $"calendars/primary/events?maxResults={pageSize}" + (pageToken is null ? "" : "&pageToken=" + Uri.EscapeDataString(pageToken)));
            var body = await client.GetByteArrayAsync(uri).ConfigureAwait(false);
            uris.Add(uri);
            pages.Add(body);
            bytes += body.Length;
            var page = JsonSerializer.Deserialize<Events>(body, Web) ?? throw new InvalidOperationException("A page parsed as null.");
            events += page.Items?.Count ?? 0;

            pageToken = page.NextPageToken;
        }
        while (pageToken is not null);

        return new MachineLimits(client, uris, pages, events) { JsonBytes = bytes };
    }

    /// <summary>Serializes every event as the store does, for <see cref="InsertAsync"/> (not timed).</summary>
    public void PrepareRows() =>
        _rows = _pages.SelectMany(body => JsonSerializer.Deserialize<Events>(body, Web)!.Items!).Select(item => (item.Id!, JsonSerializer.Serialize(item, Web))).ToList();

    /// <summary>The rows <see cref="PrepareRows"/> built: each event's id and JSON as the stores serialize it.</summary>
    public IReadOnlyList<(string Id, string Json)> Rows => _rows ?? throw new InvalidOperationException("PrepareRows first.");

    /// <summary>Parses every page into upserts, for <see cref="StoreAloneAsync"/> (not timed).</summary>
    public void PrepareChanges() =>
        _changes = _pages.Select(body => JsonSerializer.Deserialize<Events>(body, Web)!.Items!.Select(item => SyncChange<Event>.Upsert(item.Id!, item)).ToArray()).ToList();

    /// <summary>Drops what the Prepare methods built.</summary>
    public void Release()
    {
        _rows = null;
        _changes = null;
    }

    /// <summary>GETs every page of the listing over loopback (gzip on the wire, decompressed, as the sync's client does).</summary>
    public async Task TransferAsync()
    {
        long bytes = 0;
        foreach (var uri in _pageUris)
        {
            bytes += (await _client.GetByteArrayAsync(uri).ConfigureAwait(false)).Length;
        }

        Check(bytes == JsonBytes, $"transferred {bytes} bytes, expected {JsonBytes}");
    }

    /// <summary>Parses every page into the sample's <see cref="Events"/> with the parser the sample uses (Newtonsoft).</summary>
    public void ParseWithSampleParser()
    {
        var items = 0;
        foreach (var body in _pages)
        {
            using var text = new StreamReader(new MemoryStream(body, writable: false));
            using var json = new Newtonsoft.Json.JsonTextReader(text);
            items += _sampleParser.Deserialize<Events>(json)!.Items!.Count;
        }

        Check(items == Events, $"parsed {items} events, expected {Events}");
    }

    /// <summary>Parses every page into the same <see cref="Events"/> with System.Text.Json.</summary>
    public void ParseWithSystemTextJson()
    {
        var items = 0;
        foreach (var body in _pages)
        {
            items += JsonSerializer.Deserialize<Events>(body, Web)!.Items!.Count;
        }

        Check(items == Events, $"parsed {items} events, expected {Events}");
    }

    /// <summary>
    /// Inserts every event's JSON (serialized beforehand) into a new WAL database in one transaction with one prepared
    /// statement: the least a durable mirror of the listing costs.
    /// </summary>
    public async Task InsertAsync(string databasePath)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databasePath, Pooling = false }.ToString());
        await connection.OpenAsync().ConfigureAwait(false);
        using (var schema = connection.CreateCommand())
        {
            schema.CommandText = "PRAGMA journal_mode = WAL; CREATE TABLE items (id TEXT NOT NULL PRIMARY KEY, json TEXT NOT NULL);";
            await schema.ExecuteNonQueryAsync().ConfigureAwait(false);
        }

        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync().ConfigureAwait(false);
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO items (id, json) VALUES ($id, $json);";
        var id = insert.Parameters.Add("$id", SqliteType.Text);
        var json = insert.Parameters.Add("$json", SqliteType.Text);
        insert.Prepare();
        foreach (var row in _rows ?? throw new InvalidOperationException("PrepareRows first."))
        {
            id.Value = row.Id;
            json.Value = row.Json;
            await insert.ExecuteNonQueryAsync().ConfigureAwait(false);
        }

        await transaction.CommitAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Not a limit: the store alone, fed the parsed pages from memory (one pass, a page per apply, one commit), to set its
    /// cost beside <see cref="InsertAsync"/>; it also serializes every item, which the insert limit does beforehand.
    /// </summary>
    public async Task StoreAloneAsync(ISyncStore<Event> store)
    {
        var writer = await store.BeginPassAsync(SyncPassKind.Full).ConfigureAwait(false);
        await using (writer.ConfigureAwait(false))
        {
            foreach (var page in _changes ?? throw new InvalidOperationException("PrepareChanges first."))
            {
                await writer.ApplyAsync(page).ConfigureAwait(false);
            }

            await writer.CommitAsync("limits").ConfigureAwait(false);
        }
    }

    public void Dispose() => _client.Dispose();

    private static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException(message);
        }
    }
}
