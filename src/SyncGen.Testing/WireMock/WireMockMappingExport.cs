using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SyncGen.Testing.Conformance;
using SyncGen.Testing.Dialects;
using SyncGen.Testing.Scenarios;

namespace SyncGen.Testing.WireMock;

/// <summary>
/// Writes mappings as a WireMock root directory (<c>mappings/*.json</c> plus an empty <c>__files</c>), so any WireMock can
/// serve them: <c>java -jar wiremock-standalone.jar --root-dir FOLDER</c>, or mount FOLDER at <c>/home/wiremock</c> in the
/// official container.
/// </summary>
public static class WireMockMappingExport
{
    /// <summary>
    /// Writes the WireMock mappings that replay <paramref name="scenario"/> (every call, page, fault and expiry, as
    /// stateful WireMock scenario steps) to <c>FOLDER/mappings</c>, for a WireMock outside the kit or a bug report.
    /// </summary>
    /// <param name="folder">The root directory to write; created when missing.</param>
    /// <param name="scenario">The scenario, e.g. one of <see cref="ScenarioCatalog.All"/>.</param>
    /// <param name="settings">The client limits the script assumes; <see cref="ConformanceSettings.Default"/> when null.</param>
    /// <param name="cancellationToken">Cancels the writes.</param>
    /// <returns>The full paths of the files written, in mapping order.</returns>
    public static Task<IReadOnlyList<string>> WriteScenarioAsync(
        string folder,
        SyncScenario scenario,
        ConformanceSettings? settings = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        return WireMockScenarioCompiler.ExportAsync(folder, ScenarioSimulator.Simulate(scenario, settings), cancellationToken);
    }

    /// <summary>
    /// Writes the WireMock mappings that replay <paramref name="scenario"/> in a dialect (pages, tokens, deletions, expiry
    /// and error bodies as the dialect writes them). Links the dialect hands out (Graph's nextLink and deltaLink) are
    /// absolute, so they are written on <paramref name="origin"/>: where the WireMock that loads the files will listen.
    /// </summary>
    /// <param name="folder">The root directory to write; created when missing.</param>
    /// <param name="scenario">The scenario, e.g. one of <see cref="ScenarioCatalog.All"/>.</param>
    /// <param name="dialect">The dialect, e.g. <see cref="FakeDialects.MicrosoftGraph"/>.</param>
    /// <param name="origin">The WireMock's origin, e.g. <c>http://localhost:8080</c>.</param>
    /// <param name="settings">The client limits the script assumes; <see cref="ConformanceSettings.Default"/> when null.</param>
    /// <param name="cancellationToken">Cancels the writes.</param>
    /// <returns>The full paths of the files written, in mapping order.</returns>
    public static Task<IReadOnlyList<string>> WriteScenarioInDialectAsync(
        string folder,
        SyncScenario scenario,
        FakeDialect dialect,
        Uri origin,
        ConformanceSettings? settings = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(dialect);
        ArgumentNullException.ThrowIfNull(origin);
        var compiled = ScenarioSimulator.Simulate(scenario, settings, dialect);
        return WriteFolderAsync(folder, WireMockScenarioCompiler.Compile(compiled, origin.GetLeftPart(UriPartial.Authority)), cancellationToken);
    }

    /// <summary>
    /// Writes one file per mapping to <c>FOLDER/mappings</c>. File names are stable: the 1-based position (3 digits) and a
    /// slug of the mapping's name (else scenario and required state, else method and path), e.g.
    /// <c>001-events-page-1.json</c>. Files of the same name are overwritten; other files are left alone.
    /// </summary>
    /// <param name="folder">The root directory to write; created when missing.</param>
    /// <param name="mappings">The mappings, in the order to number them.</param>
    /// <param name="cancellationToken">Cancels the writes.</param>
    /// <returns>The full paths of the files written, in mapping order.</returns>
    internal static async Task<IReadOnlyList<string>> WriteFolderAsync(
        string folder,
        IEnumerable<WireMockMapping> mappings,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        ArgumentNullException.ThrowIfNull(mappings);
        string root = Path.GetFullPath(folder);
        string mappingsDir = Path.Combine(root, "mappings");
        Directory.CreateDirectory(mappingsDir);
        Directory.CreateDirectory(Path.Combine(root, "__files"));

        var written = new List<string>();
        int index = 0;
        var utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
        foreach (WireMockMapping mapping in mappings)
        {
            ArgumentNullException.ThrowIfNull(mapping, nameof(mappings));
            index++;
            string fileName = FileNameFor(mapping, index);
            string path = Path.Combine(mappingsDir, fileName);
            string json = WireMockJson.Serialize(mapping).Replace("\r\n", "\n", StringComparison.Ordinal) + "\n";
            await File.WriteAllTextAsync(path, json, utf8, cancellationToken).ConfigureAwait(false);
            written.Add(path);
        }

        return written;
    }

    /// <summary>The file name <see cref="WriteFolderAsync"/> gives the mapping at 1-based position <paramref name="index"/>.</summary>
    /// <param name="mapping">The mapping.</param>
    /// <param name="index">The 1-based position.</param>
    /// <returns>The file name, e.g. <c>001-events-page-1.json</c>.</returns>
    internal static string FileNameFor(WireMockMapping mapping, int index)
    {
        ArgumentNullException.ThrowIfNull(mapping);
        string label = mapping.Name
            ?? (mapping.ScenarioName is { } scenario ? scenario + " " + (mapping.RequiredScenarioState ?? "any") : null)
            ?? $"{mapping.Request.Method ?? "any"} {mapping.Request.UrlPath ?? mapping.Request.Url ?? mapping.Request.UrlPathPattern ?? "all"}";
        string slug = Slug(label);
        return index.ToString("D3", CultureInfo.InvariantCulture) + (slug.Length == 0 ? string.Empty : "-" + slug) + ".json";
    }

    private static string Slug(string text)
    {
        var builder = new StringBuilder(text.Length);
        bool dash = false;
        foreach (char c in text)
        {
            if (c < 128 && char.IsLetterOrDigit(c))
            {
                builder.Append(char.ToLowerInvariant(c));
                dash = false;
            }
            else if (!dash && builder.Length > 0)
            {
                builder.Append('-');
                dash = true;
            }

            if (builder.Length >= 60)
            {
                break;
            }
        }

        return builder.ToString().TrimEnd('-');
    }
}
