using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace SyncGen.Testing.WireMock;

/// <summary>
/// What the scenario replayer needs from a WireMock: load compiled mappings, move a scenario's state, read and empty the
/// request journal. Two implementations serve the same mappings: the in-process WireMock.Net
/// (<see cref="WireMockNetBackend"/>, the default) and the Java WireMock (<see cref="JavaWireMockBackend"/>).
/// </summary>
internal interface IWireMockBackend : IAsyncDisposable
{
    /// <summary>A short name for messages: <c>WireMock.Net</c> or <c>WireMock</c> (the Java one).</summary>
    string Name { get; }

    /// <summary>The server's base URI (ends with a slash).</summary>
    Uri BaseUri { get; }

    /// <summary>Removes every mapping, empties the journal and forgets every scenario state, then loads <paramref name="mappings"/>.</summary>
    Task LoadMappingsAsync(IReadOnlyList<WireMockMapping> mappings, CancellationToken cancellationToken);

    /// <summary>Moves a scenario to a state.</summary>
    Task SetScenarioStateAsync(string scenarioName, string state, CancellationToken cancellationToken);

    /// <summary>Empties the request journal, leaving mappings and scenario states.</summary>
    Task ResetRequestsAsync(CancellationToken cancellationToken);

    /// <summary>The requests received since the last reset, oldest first.</summary>
    Task<IReadOnlyList<WireMockLoggedRequest>> GetRequestsAsync(CancellationToken cancellationToken);
}

/// <summary>The Java WireMock (a process started here or <c>WIREMOCK_URL</c>), driven through its admin API.</summary>
internal sealed class JavaWireMockBackend : IWireMockBackend
{
    private readonly WireMockServer _server;
    private readonly bool _ownsServer;

    public JavaWireMockBackend(WireMockServer server, bool ownsServer)
    {
        _server = server ?? throw new ArgumentNullException(nameof(server));
        _ownsServer = ownsServer;
    }

    public string Name => "WireMock";

    public Uri BaseUri => _server.BaseUri;

    public async Task LoadMappingsAsync(IReadOnlyList<WireMockMapping> mappings, CancellationToken cancellationToken)
    {
        await _server.Admin.ResetAsync(cancellationToken).ConfigureAwait(false);
        await _server.Admin.ImportMappingsAsync(mappings, true, cancellationToken).ConfigureAwait(false);
    }

    public Task SetScenarioStateAsync(string scenarioName, string state, CancellationToken cancellationToken) =>
        _server.Admin.SetScenarioStateAsync(scenarioName, state, cancellationToken);

    public Task ResetRequestsAsync(CancellationToken cancellationToken) => _server.Admin.ResetRequestsAsync(cancellationToken);

    public Task<IReadOnlyList<WireMockLoggedRequest>> GetRequestsAsync(CancellationToken cancellationToken) =>
        _server.Admin.GetRequestsAsync(cancellationToken);

    public ValueTask DisposeAsync() => _ownsServer ? _server.DisposeAsync() : ValueTask.CompletedTask;
}
