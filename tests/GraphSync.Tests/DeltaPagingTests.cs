using System.Linq;
using System.Threading.Tasks;
using NUnit.Framework;

namespace GraphSync.Tests;

/// <summary>Paging and the delta link: the first request from the endpoint, every later one the server's link verbatim.</summary>
public sealed class DeltaPagingTests : GraphSyncTestBase
{
    // Opaque tokens as Graph writes them: long, with characters a URL library might be tempted to re-encode.
    private const string SkipToken1 = "RFNwdAIAAQAAAA8xMjM0NTY3ODkwQGNvbnRvc28%2BAAAAAA%3D%3D";
    private const string SkipToken2 = "RFNwdAIAAQAAAA8xMjM0NTY3ODkwQGNvbnRvc28_AAAAAA-~.";
    private const string DeltaToken1 = "oEcOySpF_hWYmTIUZBOIfPzcwisr_rPe8o9M54L45qEXQGmvQC6T2dbL-9O7nSU-njKhFiGlAZqewNAThmCVnNxqPu5gOBegrm1CaVZ-ZtFZ2tPOAO98OD9y0ao460";
    private const string DeltaToken2 = "2nd%2Btoken%3D%3D";

    [Test]
    public async Task A_paged_full_pass_follows_each_nextLink_verbatim_and_stores_the_whole_deltaLink()
    {
        var page2 = $"{Graph.Root}/users/delta?$skiptoken={SkipToken1}";
        var page3 = $"{Graph.Root}/users/delta?$skiptoken={SkipToken2}";
        var deltaLink = $"{Graph.Root}/users/delta?$deltatoken={DeltaToken1}";
        Graph.On(Graph.DeltaEndpoint, GraphDeltaStub.Page(Users("u1", "u2"), nextLink: page2));
        Graph.On(page2, GraphDeltaStub.Page(Users("u3"), nextLink: page3));
        Graph.On(page3, GraphDeltaStub.Page(Users("u4", "u5"), deltaLink: deltaLink));

        var result = await Repository().SyncAsync();

        Assert.That(Graph.Requests, Is.EqualTo(new[]
        {
            "/v1.0/users/delta",
            $"/v1.0/users/delta?$skiptoken={SkipToken1}",
            $"/v1.0/users/delta?$skiptoken={SkipToken2}",
        }));
        Assert.That(result.WasFullSync, Is.True);
        Assert.That(result.Pages, Is.EqualTo(3));
        Assert.That(result.SyncToken, Is.EqualTo(deltaLink));
        var state = await ReadStateAsync();
        Assert.That(state.Token, Is.EqualTo(deltaLink), "the stored token is the whole deltaLink");
        Assert.That(state.Items, Is.EqualTo(new[] { "u1|User u1", "u2|User u2", "u3|User u3", "u4|User u4", "u5|User u5" }));
    }

    [Test]
    public async Task An_incremental_pass_sends_the_stored_deltaLink_and_applies_changes_and_both_kinds_of_removed()
    {
        var deltaLink1 = $"{Graph.Root}/users/delta?$deltatoken={DeltaToken1}";
        var deltaLink2 = $"{Graph.Root}/users/delta?$deltatoken={DeltaToken2}";
        Graph.On(Graph.DeltaEndpoint, GraphDeltaStub.Page(Users("u1", "u2", "u3", "u4"), deltaLink: deltaLink1));
        await Repository().SyncAsync();
        Graph.ClearJournal();

        // u2 renamed, u5 new; u3 deleted, u4 left the selected set ("changed"): both leave the mirror.
        var nextLink = $"{Graph.Root}/users/delta?$skiptoken={SkipToken1}";
        Graph.On(deltaLink1, GraphDeltaStub.Page([("u2", "Renamed")], nextLink: nextLink, removed: [("u3", "deleted")]));
        Graph.On(nextLink, GraphDeltaStub.Page(Users("u5"), deltaLink: deltaLink2, removed: [("u4", "changed"), ("never-seen", "deleted")]));

        var result = await Repository().SyncAsync();

        Assert.That(Graph.Requests, Is.EqualTo(new[] { $"/v1.0/users/delta?$deltatoken={DeltaToken1}", $"/v1.0/users/delta?$skiptoken={SkipToken1}" }));
        Assert.That(result.WasFullSync, Is.False);
        Assert.That((result.Upserts, result.Deletes), Is.EqualTo((2, 3)), "three removed entries; the unknown one is never inserted (items below)");
        var state = await ReadStateAsync();
        Assert.That(state.Token, Is.EqualTo(deltaLink2));
        Assert.That(state.Items, Is.EqualTo(new[] { "u1|User u1", "u2|Renamed", "u5|User u5" }));
    }

    [Test]
    public async Task A_link_with_percent_encoded_parameter_names_is_not_rewritten()
    {
        // The SDK's ParametersNameDecodingHandler would send "%24skiptoken" as "$skiptoken": not the link the server gave.
        var page2 = $"{Graph.Root}/users/delta?%24skiptoken={SkipToken1}&%24select=displayName";
        var deltaLink = $"{Graph.Root}/users/delta?%24deltatoken={DeltaToken2}";
        Graph.On(Graph.DeltaEndpoint, GraphDeltaStub.Page(Users("u1"), nextLink: page2));
        Graph.On(page2, GraphDeltaStub.Page(Users("u2"), deltaLink: deltaLink));

        await Repository().SyncAsync();

        Assert.That(Graph.Requests, Is.EqualTo(new[] { "/v1.0/users/delta", $"/v1.0/users/delta?%24skiptoken={SkipToken1}&%24select=displayName" }));
        Assert.That((await ReadStateAsync()).Token, Is.EqualTo(deltaLink));
    }

    [Test]
    public async Task An_empty_page_with_a_nextLink_does_not_end_the_pass()
    {
        var page2 = $"{Graph.Root}/users/delta?$skiptoken={SkipToken2}";
        var deltaLink = $"{Graph.Root}/users/delta?$deltatoken={DeltaToken1}";
        Graph.On(Graph.DeltaEndpoint, GraphDeltaStub.Page([], nextLink: page2));
        Graph.On(page2, GraphDeltaStub.Page(Users("u1"), deltaLink: deltaLink));

        var result = await Repository().SyncAsync();

        Assert.That(result.Pages, Is.EqualTo(2));
        Assert.That(await ReadStateAsync(), Is.EqualTo(new StoreState(deltaLink, new[] { "u1|User u1" })));
    }

    [Test]
    public async Task A_second_sync_with_nothing_changed_keeps_the_mirror_and_takes_the_new_deltaLink()
    {
        var deltaLink1 = $"{Graph.Root}/users/delta?$deltatoken={DeltaToken1}";
        var deltaLink2 = $"{Graph.Root}/users/delta?$deltatoken={DeltaToken2}";
        Graph.On(Graph.DeltaEndpoint, GraphDeltaStub.Page(Users("u1"), deltaLink: deltaLink1));
        Graph.On(deltaLink1, GraphDeltaStub.Page([], deltaLink: deltaLink2));
        await Repository().SyncAsync();

        var result = await Repository().SyncAsync();

        Assert.That((result.WasFullSync, result.Upserts, result.Deletes), Is.EqualTo((false, 0, 0)));
        Assert.That(await ReadStateAsync(), Is.EqualTo(new StoreState(deltaLink2, new[] { "u1|User u1" })));
        Assert.That(Graph.Requests.Last(), Is.EqualTo($"/v1.0/users/delta?$deltatoken={DeltaToken1}"));
    }
}
