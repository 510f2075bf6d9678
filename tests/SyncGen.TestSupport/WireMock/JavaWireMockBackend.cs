using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using SyncGen.Testing.WireMock;

namespace SyncGen.TestSupport.WireMock;

/// <summary>The Java WireMock (a process started here or <c>WIREMOCK_URL</c>) as a scenario backend, driven through its admin API.</summary>
internal sealed class JavaWireMockBackend : IWireMockBackend
{
    private readonly JavaWireMockServer _server;
    private readonly bool _ownsServer;

    public JavaWireMockBackend(JavaWireMockServer server, bool ownsServer)
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
