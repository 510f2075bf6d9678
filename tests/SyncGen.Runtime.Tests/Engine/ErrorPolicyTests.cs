using System;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Google;
using Google.Apis.Requests;
using NUnit.Framework;
using SyncGen.Google;
using SyncGen.Infrastructure;
using SyncGen.Testing.FakeServer;

namespace SyncGen.Runtime.Tests.Engine;

/// <summary>
/// The error policy is chosen once per call (the page source's classifier, then the options', then Google's) and each
/// failed attempt is classified once, over real HTTP against the fake Calendar server.
/// </summary>
public class ErrorPolicyTests
{
    private FakeCalendarServer _server = null!;
    private HttpClient _http = null!;
    private HttpJsonFetcher _fetcher = null!;

    [SetUp]
    public async Task StartAsync()
    {
        _server = await FakeCalendarServer.StartAsync();
        _server.Primary.AddMany(3);
        _http = new HttpClient();
        _fetcher = new HttpJsonFetcher(_http, _server.EventsUri());
    }

    [TearDown]
    public async Task StopAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    private SyncEngine<JsonEvent> Engine(
        InMemorySyncStore<JsonEvent> store, SyncOptions options, ISyncErrorClassifier? pageSourceClassifier = null, ISyncErrorReader? pageSourceReader = null, Func<SyncPass, SyncPageFetcher<JsonEvent>>? openPass = null)
    {
        var definition = HttpJsonFetcher.Definition(_fetcher.Open);
        return new SyncEngine<JsonEvent>(
            new SyncDefinition<JsonEvent>
            {
                RepositoryName = definition.RepositoryName,
                OpenPass = openPass ?? definition.OpenPass,
                GetKey = definition.GetKey,
                IsDeleted = definition.IsDeleted,
                Gate = definition.Gate,
                ErrorClassifier = pageSourceClassifier,
                ErrorReader = pageSourceReader,
            },
            store,
            options);
    }

    // Before, the retry decision, the delay and the retry log each classified the same exception again: three times per
    // retried attempt, and once more for the error reported after the last one.
    [Test]
    public async Task Each_failed_attempt_is_classified_once()
    {
        _server.Faults.Enqueue(Fault.ServiceUnavailable());
        _server.Faults.Enqueue(Fault.ServiceUnavailable());
        var counting = new Counting(SyncErrorClassifier.Google);
        var store = new InMemorySyncStore<JsonEvent>();

        var result = await Engine(store, new SyncOptions { Retry = FastRetry.Retry, ErrorClassifier = counting }).RunAsync();

        Assert.That(result.Retries, Is.EqualTo(2));
        Assert.That(counting.Calls, Is.EqualTo(2));
    }

    [Test]
    public void A_request_given_up_is_classified_once_for_the_decision_and_the_error()
    {
        _server.Faults.Enqueue(Fault.Status(400, "badRequest"));
        var counting = new Counting(SyncErrorClassifier.Google);
        var store = new InMemorySyncStore<JsonEvent>();

        var failure = Assert.ThrowsAsync<SyncRequestFailedException>(() => Engine(store, new SyncOptions { Retry = FastRetry.Retry, ErrorClassifier = counting }).RunAsync());

        Assert.That(failure!.StatusCode, Is.EqualTo(400));
        Assert.That(counting.Calls, Is.EqualTo(1));
    }

    [Test]
    public async Task The_page_sources_classifier_wins_over_the_options_and_the_options_over_the_default()
    {
        var store = new InMemorySyncStore<JsonEvent>();
        await Engine(store, new SyncOptions { Retry = FastRetry.Retry }).RunAsync();

        // A 404 is fatal by Google's rules; each classifier below calls it an expiry or fatal, and the outcome shows which ran.
        var expiryOn404 = new Counting(new SyncErrorClassifier(facts => facts.StatusCode == 404));
        var fatal = new Counting(SyncErrorClassifier.Google);
        _server.Faults.Enqueue(Fault.Status(404, "notFound"), r => r.SyncToken is not null);
        var recovered = await Engine(store, new SyncOptions { Retry = FastRetry.Retry, ErrorClassifier = fatal }, pageSourceClassifier: expiryOn404).RunAsync();
        Assert.That(recovered.ExpiriesRecovered, Is.EqualTo(1));
        Assert.That((expiryOn404.Calls, fatal.Calls), Is.EqualTo((1, 0)));

        _server.Faults.Enqueue(Fault.Status(404, "notFound"), r => r.SyncToken is not null);
        var viaOptions = await Engine(store, new SyncOptions { Retry = FastRetry.Retry, ErrorClassifier = expiryOn404 }).RunAsync();
        Assert.That(viaOptions.ExpiriesRecovered, Is.EqualTo(1));

        _server.Faults.Enqueue(Fault.Status(404, "notFound"), r => r.SyncToken is not null);
        Assert.That(SyncOptions.Default.ErrorClassifier, Is.Null);
        var byDefault = Assert.ThrowsAsync<SyncRequestFailedException>(() => Engine(store, new SyncOptions { Retry = FastRetry.Retry }).RunAsync());
        Assert.That(byDefault!.StatusCode, Is.EqualTo(404));
    }

    // The page source's reader is how Google.Apis' errors are read: generated code passes SyncGen.Google's, and no
    // reader is found by a type name at run time any more.
    [Test]
    public async Task The_page_sources_reader_lets_the_chosen_classifier_read_its_client_librarys_errors()
    {
        var store = new InMemorySyncStore<JsonEvent>();
        await Engine(store, new SyncOptions { Retry = FastRetry.Retry }).RunAsync();
        var gone = new GoogleApiException("calendar", "HTTP 410")
        {
            HttpStatusCode = System.Net.HttpStatusCode.Gone,
            Error = new RequestError { Code = 410, Message = "Sync token is no longer valid", Errors = new[] { new SingleError { Reason = "fullSyncRequired" } } },
        };
        var expired = 0;
        SyncPageFetcher<JsonEvent> ExpiringOnce(SyncPass pass)
        {
            var fetch = _fetcher.Open(pass);
            return pass.IsFull || Interlocked.Increment(ref expired) > 1 ? fetch : (_, _) => throw gone;
        }

        var withReader = await Engine(store, new SyncOptions { Retry = FastRetry.Retry }, pageSourceReader: GoogleApiErrorReader.Instance, openPass: ExpiringOnce).RunAsync();
        Assert.That(withReader.ExpiriesRecovered, Is.EqualTo(1));

        // Also through a classifier of the options' own, which brings the expiry rule but not the reader.
        expired = 0;
        var custom = new SyncErrorClassifier(SyncExpiryRules.Google);
        var viaOptions = await Engine(store, new SyncOptions { Retry = FastRetry.Retry, ErrorClassifier = custom }, pageSourceReader: GoogleApiErrorReader.Instance, openPass: ExpiringOnce).RunAsync();
        Assert.That(viaOptions.ExpiriesRecovered, Is.EqualTo(1));

        // Without it the built-in readers know only HttpClient's errors, and an unknown exception is fatal.
        expired = 0;
        var withoutReader = Assert.ThrowsAsync<SyncRequestFailedException>(() => Engine(store, new SyncOptions { Retry = FastRetry.Retry }, openPass: ExpiringOnce).RunAsync());
        Assert.That(withoutReader!.InnerException, Is.SameAs(gone));
    }

    private sealed class Counting(ISyncErrorClassifier inner) : ISyncErrorClassifier
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public SyncErrorClassification Classify(Exception exception)
        {
            Interlocked.Increment(ref _calls);
            return inner.Classify(exception);
        }
    }
}
