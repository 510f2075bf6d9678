using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace SyncGen.Testing.WireMock;

/// <summary>
/// What the scenario replayer needs from a WireMock: load compiled mappings, move a scenario's state, read and empty the
/// request journal. The kit serves the mappings on WireMock.Net in process (<see cref="WireMockNetBackend"/>); the
/// repository's test support drives the Java WireMock through the same interface, to check both agree.
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
