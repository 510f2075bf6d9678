using System.Net.Http;
using System.Text;
using System.Threading.Tasks;
using CalendarSync.CalendarApi;
using Google;
using Newtonsoft.Json;
using NUnit.Framework;

namespace CalendarSync.Tests;

/// <summary>
/// The sample's service reads pages from the response bytes rather than through one string; it must still answer
/// as the base class does, since the engine turns those answers into MalformedResponse and EmptyResponse protocol errors.
/// </summary>
public class PageDeserializationTests
{
    private static async Task<Events> DeserializeAsync(string body)
    {
        using var service = CalendarService.Create("http://127.0.0.1:1/");
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

    [TestCase("""{"items":[{"id":"a"}""", TestName = "Truncated object")]
    [TestCase("""{"items":[{"id":"a"}]} trailing""", TestName = "Content after the page")]
    [TestCase("""<html>Bad gateway</html>""", TestName = "Not JSON at all")]
    public void A_body_that_is_not_one_page_object_throws_GoogleApiException_around_the_json_error(string body)
    {
        var error = Assert.ThrowsAsync<GoogleApiException>(() => DeserializeAsync(body));

        Assert.That(error!.InnerException, Is.InstanceOf<JsonException>());
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
        using var service = CalendarService.Create("http://127.0.0.1:1/");
        using var response = new HttpResponseMessage { Content = new StringContent("""{"items":[]}""", Encoding.UTF8, "application/json") };
        response.Headers.ETag = new System.Net.Http.Headers.EntityTagHeaderValue("\"p42\"");

        var page = await service.DeserializeResponse<Events>(response);

        Assert.That(page.ETag, Is.EqualTo("\"p42\""));
    }
}
