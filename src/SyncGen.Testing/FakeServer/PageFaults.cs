using System;
using System.Text;

namespace SyncGen.Testing.FakeServer;

/// <summary>
/// The one fault shaper: how a page fault alters a page before rendering and its body after. The embedded servers and the
/// scenario simulator (whose script WireMock replays) all call it, so a fault means the same bytes everywhere.
/// </summary>
internal static class PageFaults
{
    /// <summary>Applies the page-model part of a fault (tokens, duplicates); other kinds leave the page alone.</summary>
    /// <typeparam name="TEntry">The page's entry type.</typeparam>
    /// <param name="kind">The fault.</param>
    /// <param name="page">The page.</param>
    /// <param name="requestedPageToken">The page token of the request, null on page 1.</param>
    /// <param name="loopToken">For a page-token loop: a fixed token to serve; null to repeat the requested one.</param>
    public static void Shape<TEntry>(FaultKind? kind, ServedPage<TEntry> page, string? requestedPageToken, string? loopToken = null)
    {
        switch (kind)
        {
            case FaultKind.NoTokens:
                page.NextPageToken = null;
                page.NextSyncToken = null;
                break;
            case FaultKind.PageTokenLoop:
                page.NextSyncToken = null;
                page.NextPageToken = loopToken ?? requestedPageToken ?? page.FirstPageToken;
                break;
            case FaultKind.DuplicateItems:
                page.DuplicateEntries = true;
                break;
        }
    }

    /// <summary>
    /// Cuts a rendered page right after the opening of its items array (<c>"items":[</c>, <c>"value":[</c>...): invalid JSON.
    /// A page that does not show the array (a custom layout) is cut in half instead, which is just as invalid.
    /// </summary>
    /// <param name="body">The rendered page.</param>
    /// <param name="itemsProperty">The name of the items array's property.</param>
    /// <returns>The cut body.</returns>
    public static byte[] CutAfterItemsStart(byte[] body, string itemsProperty)
    {
        var marker = Encoding.UTF8.GetBytes("\"" + itemsProperty + "\":[");
        var index = body.AsSpan().IndexOf(marker);
        return index < 0 ? body[..Math.Max(1, body.Length / 2)] : body[..(index + marker.Length)];
    }

    /// <summary>The first <paramref name="fraction"/> of the body's bytes, at least one byte and never all of them.</summary>
    /// <param name="body">The rendered page.</param>
    /// <param name="fraction">The share sent, in (0, 1).</param>
    /// <returns>The prefix.</returns>
    public static byte[] Truncate(byte[] body, double fraction) =>
        body[..Math.Clamp((int)(body.Length * fraction), 1, Math.Max(1, body.Length - 1))];
}
