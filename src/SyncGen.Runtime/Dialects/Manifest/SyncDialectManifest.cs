using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace SyncGen;

/// <summary>
/// Loads a <see cref="SyncDialect"/> written as JSON data: every member of the C# form, in camelCase, with JSON paths
/// as text (<see cref="SyncJsonPath.Parse"/>), deletion markers and expiry rules as small objects. See docs/dialects.md.
/// </summary>
/// <remarks>
/// The manifest is checked whole before use: an unknown member (a typo), a missing required one, a value of the wrong
/// kind or an unknown name is a <see cref="SyncDialectManifestException"/> naming the member, never a dialect that
/// silently reads nothing.
/// </remarks>
public static class SyncDialectManifest
{
    private static readonly string[] DialectMembers =
    {
        "name", "requestStyle", "method", "changeFeedRequest", "continueRequest", "requestsBelowEndpoint", "syncTokenParameter",
        "pageTokenParameter", "fullPassParameters", "fullPassOnlyParameters", "items", "nextPageToken", "nextSyncToken", "hasMore",
        "key", "deletionKey", "deletion", "itemValue", "entryKind", "entryChanges", "subtreeSeparator", "expiry", "fullListing",
        "fieldsParameter",
    };

    private static readonly string[] ListingMembers =
    {
        "startTokenRequest", "startTokenParameters", "startToken", "listingRequest", "listingParameters", "listingParameterDefaults", "items", "key",
    };

    private static readonly Dictionary<string, Func<SyncErrorFacts, bool>> NamedExpiryRules = new(StringComparer.Ordinal)
    {
        ["google"] = SyncExpiryRules.Google,
        ["googlePeople"] = SyncExpiryRules.GooglePeople,
        ["microsoftGraph"] = SyncExpiryRules.MicrosoftGraph,
        ["dropbox"] = SyncExpiryRules.Dropbox,
        ["gmail"] = SyncExpiryRules.Gmail,
    };

    /// <summary>Reads a dialect from a manifest's JSON text.</summary>
    /// <param name="json">The manifest.</param>
    /// <exception cref="SyncDialectManifestException">The manifest is not JSON or not a valid dialect; the message names the member.</exception>
    public static SyncDialect Parse(string json)
    {
        if (json is null)
        {
            throw new ArgumentNullException(nameof(json));
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException exception)
        {
            throw new SyncDialectManifestException("$", $"the manifest is not JSON ({exception.Message})", exception);
        }

        using (document)
        {
            return Read(document.RootElement);
        }
    }

    /// <summary>Reads a dialect from a manifest file.</summary>
    /// <param name="path">The file.</param>
    /// <exception cref="SyncDialectManifestException">The manifest is not a valid dialect; the message names the file and the member.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static SyncDialect Load(string path)
    {
        var text = File.ReadAllText(path ?? throw new ArgumentNullException(nameof(path)));
        try
        {
            return Parse(text);
        }
        catch (SyncDialectManifestException exception)
        {
            throw new SyncDialectManifestException(exception.Member, $"{exception.Message.Substring(exception.Member.Length + 2)} (in {path})", exception);
        }
    }

    private static SyncDialect Read(JsonElement root)
    {
        var m = new Reader(root, "$", DialectMembers);
        var style = m.Enum("requestStyle", SyncRequestStyle.QueryParameters);
        var dialect = new SyncDialect
        {
            Name = m.RequiredString("name"),
            RequestStyle = style,
            Method = m.String("method"),
            ChangeFeedRequest = m.String("changeFeedRequest"),
            ContinueRequest = m.String("continueRequest"),
            RequestsBelowEndpoint = m.Bool("requestsBelowEndpoint") ?? false,
            SyncTokenParameter = m.String("syncTokenParameter") ?? "syncToken",
            PageTokenParameter = m.String("pageTokenParameter") ?? "pageToken",
            FullPassParameters = m.Pairs("fullPassParameters"),
            FullPassOnlyParameters = m.Strings("fullPassOnlyParameters"),
            Items = m.RequiredPath("items"),
            NextPageToken = m.RequiredPath("nextPageToken"),
            NextSyncToken = m.RequiredPath("nextSyncToken"),
            HasMore = m.Path("hasMore"),
            Key = m.RequiredPath("key"),
            DeletionKey = m.Path("deletionKey"),
            Deletion = m.Required("deletion", Deletion),
            ItemValue = m.Path("itemValue"),
            EntryKind = m.Object("entryKind", EntryKind),
            EntryChanges = m.Array("entryChanges", EntryChanges),
            SubtreeSeparator = m.String("subtreeSeparator"),
            IsExpiry = m.Required("expiry", Expiry),
            FullListing = m.Object("fullListing", FullListing),
            FieldsParameter = m.String("fieldsParameter"),
        };

        if (dialect.HasBody && dialect.Method is "GET" or "HEAD")
        {
            throw new SyncDialectManifestException("$.method", $"a {style} dialect sends a body, which a {dialect.Method} request cannot carry");
        }

        if (dialect.Method is { } method && (method.Length == 0 || !method.All(c => c is >= 'A' and <= 'Z')))
        {
            throw new SyncDialectManifestException("$.method", $"'{method}' is not an HTTP method in capitals, e.g. POST");
        }

        return dialect;
    }

    private static SyncDeletionMarker Deletion(Reader parent, JsonElement value, string at)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            return value.GetString() switch
            {
                "always" => SyncDeletionMarker.Always,
                "never" => SyncDeletionMarker.Never,
                var other => throw new SyncDialectManifestException(at, $"'{other}' is not a deletion marker; write \"always\", \"never\", or an object with equals, flag, present or anyOf"),
            };
        }

        var m = new Reader(value, at, "path", "equals", "flag", "present", "anyOf");
        var forms = new[] { "equals", "flag", "present", "anyOf" }.Where(m.Has).ToArray();
        if (forms.Length != 1)
        {
            throw new SyncDialectManifestException(at, "a deletion marker has exactly one of equals (with path), flag, present or anyOf");
        }

        if (forms[0] != "equals" && m.Has("path"))
        {
            throw new SyncDialectManifestException($"{at}.path", "path goes with equals only; flag and present name their own path");
        }

        return forms[0] switch
        {
            "equals" => SyncDeletionMarker.StatusEquals(m.RequiredPath("path"), m.RequiredString("equals")),
            "flag" => SyncDeletionMarker.Flag(m.RequiredPath("flag")),
            "present" => SyncDeletionMarker.Present(m.RequiredPath("present")),
            _ => m.Array("anyOf", Deletion) is { Count: > 0 } markers
                ? SyncDeletionMarker.AnyOf(markers.ToArray())
                : throw new SyncDialectManifestException($"{at}.anyOf", "anyOf needs at least one marker"),
        };
    }

    private static SyncEntryKind EntryKind(Reader parent, JsonElement value, string at)
    {
        var m = new Reader(value, at, "path", "itemKinds");
        var kinds = m.Strings("itemKinds");
        if (kinds.Count == 0)
        {
            throw new SyncDialectManifestException($"{at}.itemKinds", "an entry kind needs at least one item kind");
        }

        return new SyncEntryKind(m.RequiredPath("path"), kinds.ToArray());
    }

    private static SyncEntryChanges EntryChanges(Reader parent, JsonElement value, string at)
    {
        var m = new Reader(value, at, "elements", "key", "itemValue", "deletion");
        return new SyncEntryChanges
        {
            Elements = m.RequiredPath("elements"),
            Key = m.Path("key"),
            ItemValue = m.Path("itemValue"),
            Deletion = m.Object("deletion", Deletion),
        };
    }

    private static SyncFullListing FullListing(Reader parent, JsonElement value, string at)
    {
        var m = new Reader(value, at, ListingMembers);
        return new SyncFullListing
        {
            StartTokenRequest = m.RequiredString("startTokenRequest"),
            StartTokenParameters = m.Strings("startTokenParameters"),
            StartToken = m.RequiredPath("startToken"),
            ListingRequest = m.RequiredString("listingRequest"),
            ListingParameters = m.Strings("listingParameters"),
            ListingParameterDefaults = m.Array("listingParameterDefaults", (_, d, where) =>
            {
                var p = new Reader(d, where, "whenPresent", "name", "value");
                return new SyncParameterDefault(p.RequiredString("whenPresent"), p.RequiredString("name"), p.RequiredString("value"));
            }),
            Items = m.RequiredPath("items"),
            Key = m.RequiredPath("key"),
        };
    }

    /// <summary>A built-in rule's name, a rule object, or an array of them (any one matching is an expiry).</summary>
    private static Func<SyncErrorFacts, bool> Expiry(Reader parent, JsonElement value, string at)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                return NamedExpiryRules.TryGetValue(value.GetString()!, out var named)
                    ? named
                    : throw new SyncDialectManifestException(at, $"'{value.GetString()}' is not a built-in expiry rule; use one of {string.Join(", ", NamedExpiryRules.Keys)}, or a rule object");
            case JsonValueKind.Array:
                var rules = value.EnumerateArray().Select((rule, i) => rule.ValueKind == JsonValueKind.Array
                    ? throw new SyncDialectManifestException($"{at}[{i}]", "a rule list holds rules or rule names, not another list")
                    : Expiry(parent, rule, $"{at}[{i}]")).ToArray();
                if (rules.Length == 0)
                {
                    throw new SyncDialectManifestException(at, "an expiry rule list needs at least one rule");
                }

                return facts => rules.Any(rule => rule(facts));
            default:
                var m = new Reader(value, at, "status", "path", "equals", "reason", "messageContains");
                var status = m.RequiredInt("status");
                if (status is < 400 or > 599)
                {
                    throw new SyncDialectManifestException($"{at}.status", $"{status} is not a failure status (400 to 599); only failed answers can say a token expired");
                }

                var path = m.Path("path");
                var equals = m.String("equals");
                if ((path is null) != (equals is null))
                {
                    throw new SyncDialectManifestException(at, "path and equals go together: the rule tests the body's member at path against equals");
                }

                var reason = m.String("reason");
                var text = m.String("messageContains");
                return facts => facts.StatusCode == status
                    && (path is null || facts.BodyEquals(path, equals!))
                    && (reason is null || facts.HasReason(reason))
                    && (text is null || facts.MessageContains(text));
        }
    }

    /// <summary>Reads the members of one object, refusing any it does not know, and names each in its errors.</summary>
    private sealed class Reader
    {
        private readonly JsonElement _element;
        private readonly string _at;

        public Reader(JsonElement element, string at, params string[] known)
        {
            if (element.ValueKind != JsonValueKind.Object)
            {
                throw new SyncDialectManifestException(at, $"expected a JSON object, found {element.ValueKind}");
            }

            foreach (var member in element.EnumerateObject())
            {
                if (!known.Contains(member.Name, StringComparer.Ordinal))
                {
                    var near = known.FirstOrDefault(k => string.Equals(k, member.Name, StringComparison.OrdinalIgnoreCase));
                    throw new SyncDialectManifestException($"{at}.{member.Name}",
                        near is not null ? $"unknown member; did you mean '{near}'?" : $"unknown member; expected one of {string.Join(", ", known)}");
                }
            }

            _element = element;
            _at = at;
        }

        public bool Has(string name) => _element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null;

        public string? String(string name) => Get(name) is { } value
            ? value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text ? text : throw Wrong(name, "a non-empty string", value)
            : null;

        public string RequiredString(string name) => String(name) ?? throw Missing(name);

        public bool? Bool(string name) => Get(name) is { } value
            ? value.ValueKind switch { JsonValueKind.True => true, JsonValueKind.False => false, _ => throw Wrong(name, "true or false", value) }
            : null;

        public int RequiredInt(string name) => Get(name) is { } value
            ? value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) ? number : throw Wrong(name, "a whole number", value)
            : throw Missing(name);

        public SyncJsonPath? Path(string name)
        {
            var text = String(name);
            try
            {
                return text is null ? null : SyncJsonPath.Parse(text);
            }
            catch (ArgumentException exception)
            {
                throw new SyncDialectManifestException($"{_at}.{name}", exception.Message.Split(" (Parameter")[0], exception);
            }
        }

        public SyncJsonPath RequiredPath(string name) => Path(name) ?? throw Missing(name);

        public TEnum Enum<TEnum>(string name, TEnum fallback)
            where TEnum : struct, Enum
        {
            var text = String(name);
            if (text is null)
            {
                return fallback;
            }

            var names = System.Enum.GetNames<TEnum>().Select(n => char.ToLowerInvariant(n[0]) + n.Substring(1)).ToArray();
            var index = System.Array.IndexOf(names, text);
            return index >= 0
                ? System.Enum.GetValues<TEnum>()[index]
                : throw new SyncDialectManifestException($"{_at}.{name}", $"'{text}' is not one of {string.Join(", ", names)}");
        }

        public IReadOnlyList<string> Strings(string name) =>
            Array(name, (_, value, at) => value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text
                ? text
                : throw new SyncDialectManifestException(at, $"expected a non-empty string, found {value.ValueKind}"));

        public IReadOnlyList<KeyValuePair<string, string>> Pairs(string name)
        {
            if (Get(name) is not { } value)
            {
                return System.Array.Empty<KeyValuePair<string, string>>();
            }

            if (value.ValueKind != JsonValueKind.Object)
            {
                throw Wrong(name, "an object of parameter names and values", value);
            }

            return value.EnumerateObject().Select(p => p.Value.ValueKind == JsonValueKind.String
                ? new KeyValuePair<string, string>(p.Name, p.Value.GetString()!)
                : throw new SyncDialectManifestException($"{_at}.{name}.{p.Name}", $"expected a string value, found {p.Value.ValueKind}")).ToArray();
        }

        public T? Object<T>(string name, Func<Reader, JsonElement, string, T> read)
            where T : class => Get(name) is { } value ? read(this, value, $"{_at}.{name}") : null;

        public T Required<T>(string name, Func<Reader, JsonElement, string, T> read)
            where T : class => Object(name, read) ?? throw Missing(name);

        public IReadOnlyList<T> Array<T>(string name, Func<Reader, JsonElement, string, T> read)
        {
            if (Get(name) is not { } value)
            {
                return System.Array.Empty<T>();
            }

            if (value.ValueKind != JsonValueKind.Array)
            {
                throw Wrong(name, "an array", value);
            }

            return value.EnumerateArray().Select((element, i) => read(this, element, $"{_at}.{name}[{i}]")).ToArray();
        }

        private JsonElement? Get(string name) => _element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

        private SyncDialectManifestException Missing(string name) => new($"{_at}.{name}", "required, and missing");

        private SyncDialectManifestException Wrong(string name, string expected, JsonElement value) => new($"{_at}.{name}", $"expected {expected}, found {value.ValueKind}");
    }
}
