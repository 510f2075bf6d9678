using System.Net.Http;
using System.Text;
using System.Threading.Tasks;
using CalendarSync.CalendarApi;
using Google;
using Newtonsoft.Json;
using NUnit.Framework;

namespace CalendarSync.Tests;

/// <summary>
/// The sample's service reads pages from the response bytes rather than through one string, with either parser; it must
/// still answer as the base class does, since the engine turns those answers into MalformedResponse and EmptyResponse
/// protocol errors.
/// </summary>
[TestFixture(PageReader.Newtonsoft, typeof(JsonException))]
[TestFixture(PageReader.SystemTextJson, typeof(System.Text.Json.JsonException))]
public class PageDeserializationTests(PageReader reader, System.Type parserException)
{
    private async Task<Events> DeserializeAsync(string body)
    {
        using var service = CalendarService.Create("http://127.0.0.1:1/", pageReader: reader);
        using var response = new HttpResponseMessage { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        return await service.DeserializeResponse<Events>(response);
    }

    [Test]
    public async Task A_page_reads_its_items_and_tokens()
    {
        var page = await DeserializeAsync("""{"kind":"calendar#events","nextSyncToken":"s1","items":[{"id":"a","status":"cancelled"},{"id":"b","summary":"Ünïcode"}]}""");

        Assert.That(page.NextSyncToken, Is.EqualTo("s1"));
        Assert.That(page.NextPageToken, Is.Null);
        Assert.That(page.Items, Has.Count.EqualTo(2));
        Assert.That((page.Items![0].Status, page.Items[1].Summary), Is.EqualTo(("cancelled", "Ünïcode")));
    }

    [Test]
    public async Task Every_member_of_an_event_is_read()
    {
        var page = await DeserializeAsync("""
            {"nextPageToken":"p2","etag":"\"e0\"","items":[{"id":"r1_20260301","status":"cancelled","summary":"S","description":"D",
             "updated":"2026-03-01T10:00:00.000Z","start":{"dateTime":"2026-03-01T09:00:00Z","timeZone":"UTC"},"end":{"date":"2026-03-02"},
             "recurringEventId":"r1","originalStartTime":{"dateTime":"2026-03-01T09:00:00Z"},"etag":"\"e1\"","attendees":[{"email":"x"}]}]}
            """);

        var item = page.Items![0];
        Assert.That(page.NextPageToken, Is.EqualTo("p2"));
        Assert.That(page.ETag, Is.EqualTo("\"e0\""));
        Assert.That(
            new[] { item.Id, item.Status, item.Summary, item.Description, item.Updated, item.Start?.DateTime, item.Start?.TimeZone, item.End?.Date, item.RecurringEventId, item.OriginalStartTime?.DateTime, item.ETag },
            Is.EqualTo(new[] { "r1_20260301", "cancelled", "S", "D", "2026-03-01T10:00:00.000Z", "2026-03-01T09:00:00Z", "UTC", "2026-03-02", "r1", "2026-03-01T09:00:00Z", "\"e1\"" }));
    }

    [TestCase("""{"items":[{"id":"a"}""", TestName = "Truncated object")]
    [TestCase("""{"items":[{"id":"a"}]} trailing""", TestName = "Content after the page")]
    [TestCase("""<html>Bad gateway</html>""", TestName = "Not JSON at all")]
    public void A_body_that_is_not_one_page_object_throws_GoogleApiException_around_the_json_error(string body)
    {
        var error = Assert.ThrowsAsync<GoogleApiException>(() => DeserializeAsync(body));

        Assert.That(error!.InnerException, Is.InstanceOf(parserException));
        Assert.That(error.Message, Does.Contain("not a valid JSON page"));
    }

    [TestCase("", TestName = "Empty body")]
    [TestCase("null", TestName = "JSON null")]
    public async Task An_empty_or_null_body_gives_no_page_as_the_base_class_does(string body)
    {
        Assert.That(await DeserializeAsync(body), Is.Null);
    }

    [Test]
    public async Task The_response_etag_lands_on_the_page()
    {
        using var service = CalendarService.Create("http://127.0.0.1:1/", pageReader: reader);
        using var response = new HttpResponseMessage { Content = new StringContent("""{"items":[]}""", Encoding.UTF8, "application/json") };
        response.Headers.ETag = new System.Net.Http.Headers.EntityTagHeaderValue("\"p42\"");

        var page = await service.DeserializeResponse<Events>(response);

        Assert.That(page.ETag, Is.EqualTo("\"p42\""));
    }
}
