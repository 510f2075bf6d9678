using System.Net.Http;
using System.Text;
using System.Threading.Tasks;
using CalendarSync.CalendarApi;
using Newtonsoft.Json;
using NUnit.Framework;

namespace CalendarSync.Tests;

/// <summary>
/// The sample's service reads pages from the response bytes rather than through one string; it must still refuse
/// everything the base class refuses, since the engine turns those errors into a MalformedResponse protocol error.
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
    [TestCase("", TestName = "Empty body")]
    [TestCase("null", TestName = "JSON null")]
    public void A_body_that_is_not_one_page_object_throws_a_json_error(string body)
    {
        Assert.ThrowsAsync(Is.InstanceOf<JsonException>(), () => DeserializeAsync(body));
    }
}
