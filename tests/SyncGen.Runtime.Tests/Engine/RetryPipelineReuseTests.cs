using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Infrastructure;

namespace SyncGen.Runtime.Tests.Engine;

/// <summary>
/// A repository instance builds its retry pipeline once and reuses it on later calls (issue 12: building it was part of
/// the fixed cost of every call). What differs between calls (the classifier, the retry count) must still be the
/// call's own.
/// </summary>
public class RetryPipelineReuseTests
{
    private sealed record Item(string Id);

    private static readonly SyncRetryOptions Fast = new() { MaxRetries = 3, BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(2) };

    /// <summary>One page per pass; the first <paramref name="failures"/> fetches of the whole test throw <see cref="TimeoutException"/>.</summary>
    private static SyncDefinition<Item> Definition(SyncGate gate, Func<int> failuresLeft) => new()
    {
        RepositoryName = "RetryPipelineReuseTests",
        OpenPass = _ => (_, _) => failuresLeft() > 0
            ? Task.FromException<SyncPage<Item>>(new TimeoutException("transient"))
            : Task.FromResult(SyncPage<Item>.Create([new Item("a")], null, "token-1")),
        GetKey = item => item.Id,
        IsDeleted = _ => false,
        Gate = gate,
    };

    [Test]
    public async Task Calls_of_one_instance_reuse_its_pipeline_and_each_counts_its_own_retries()
    {
        var gate = new SyncGate();
        var failures = 2;
        var definition = Definition(gate, () => failures--);
        var options = new SyncOptions { Retry = Fast };

        var first = await new SyncEngine<Item>(definition, new InMemorySyncStore<Item>(), options).RunAsync();
        var built = gate.Pipeline;
        var second = await new SyncEngine<Item>(definition, new InMemorySyncStore<Item>(), options with { MaxExpiriesPerCall = 2 }).RunAsync();

        Assert.That(built, Is.Not.Null);
        Assert.That(gate.Pipeline, Is.SameAs(built), "equal retry settings, same logger and time provider: the pipeline is reused");
        Assert.That(first.Retries, Is.EqualTo(2));
        Assert.That(second.Retries, Is.Zero, "the second call's count does not carry the first call's retries");
    }

    [Test]
    public async Task Other_retry_settings_or_another_time_provider_build_a_new_pipeline()
    {
        var gate = new SyncGate();
        var definition = Definition(gate, () => 0);
        var store = new InMemorySyncStore<Item>();

        await new SyncEngine<Item>(definition, store, new SyncOptions { Retry = Fast }).RunAsync();
        var first = gate.Pipeline;
        await new SyncEngine<Item>(definition, store, new SyncOptions { Retry = Fast with { MaxRetries = 1 } }).RunAsync();
        var second = gate.Pipeline;
        await new SyncEngine<Item>(definition, store, new SyncOptions { Retry = Fast with { MaxRetries = 1 }, TimeProvider = new OtherTimeProvider() }).RunAsync();

        Assert.That(second, Is.Not.SameAs(first));
        Assert.That(gate.Pipeline, Is.Not.SameAs(second));
        Assert.That(second!.Retry.MaxRetries, Is.EqualTo(1));
    }

    [Test]
    public async Task A_reused_pipeline_asks_each_calls_own_classifier()
    {
        var gate = new SyncGate();
        var failures = 0;
        var definition = Definition(gate, () => failures--);
        var store = new InMemorySyncStore<Item>();

        // First call: a classifier that retries. Second call, same pipeline: a classifier that calls the failure fatal.
        await new SyncEngine<Item>(definition, store, new SyncOptions { Retry = Fast, ErrorClassifier = new Always(SyncErrorKind.Transient) }).RunAsync();
        var built = gate.Pipeline;
        failures = 1;
        var error = Assert.ThrowsAsync<SyncRequestFailedException>(() =>
            new SyncEngine<Item>(definition, store, new SyncOptions { Retry = Fast, ErrorClassifier = new Always(SyncErrorKind.Fatal) }).RunAsync());

        Assert.That(gate.Pipeline, Is.SameAs(built));
        Assert.That(error!.Attempts, Is.EqualTo(1), "the second call's classifier said fatal: no retry");
    }

    private sealed class Always(SyncErrorKind kind) : ISyncErrorClassifier
    {
        public SyncErrorClassification Classify(Exception exception) => new(kind, null, kind.ToString(), null);
    }

    private sealed class OtherTimeProvider : TimeProvider;
}
