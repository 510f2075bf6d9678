using System;
using System.Text.Json;
using System.Threading.Tasks;
using GraphSync.GraphApi;
using NUnit.Framework;

namespace GraphSync.Tests;

/// <summary>Where a token and a link may go: the Graph root's origin only (scheme, host and port).</summary>
public sealed class SameOriginTests
{
    private static readonly Uri Root = new("https://graph.microsoft.com/v1.0");

    [TestCase("https://graph.microsoft.com/v1.0/users/delta?$deltatoken=x", "secret")]
    [TestCase("https://GRAPH.microsoft.com:443/beta/users", "secret")]
    [TestCase("https://graph.microsoft.com:8443/v1.0/users/delta", "")]
    [TestCase("http://graph.microsoft.com/v1.0/users/delta", "")]
    [TestCase("https://evil.example/v1.0/users/delta", "")]
    public async Task The_token_goes_to_the_root_origin_only(string url, string expected)
    {
        var provider = new SameOriginTokenProvider("secret", Root);

        Assert.That(await provider.GetAuthorizationTokenAsync(new Uri(url)), Is.EqualTo(expected));
    }

    [TestCase("http://127.0.0.1:5000/v1.0", true)]
    [TestCase("http://[::1]:5000/v1.0", true)]
    [TestCase("http://localhost:5000/v1.0", true)]
    [TestCase("https://graph.example.net/v1.0", true)]
    [TestCase("http://graph.example.net/v1.0", false)]
    public void A_token_travels_over_https_or_to_loopback_only(string root, bool allowed)
    {
        Assert.That(SameOriginTokenProvider.IsSafeForCredentials(new Uri(root)), Is.EqualTo(allowed));
        if (!allowed)
        {
            Assert.Throws<ArgumentException>(() => _ = new SameOriginTokenProvider("secret", new Uri(root)));
        }
    }

    [Test]
    public void A_link_on_the_origin_comes_back_unchanged_character_for_character()
    {
        const string link = "https://graph.microsoft.com/v1.0/users/delta?%24skiptoken=a%2Bb~c&$select=displayName";

        Assert.That(GraphLinks.OnOrigin(link, Root, "@odata.nextLink"), Is.SameAs(link));
        Assert.That(GraphLinks.OnOrigin(null, Root, "@odata.nextLink"), Is.Null);
    }

    [TestCase("/v1.0/users/delta?$skiptoken=x", "is not an absolute http(s) URL")]
    [TestCase("ftp://graph.microsoft.com/v1.0/users/delta", "is not an absolute http(s) URL")]
    [TestCase("https://graph.microsoft.com.evil.example/v1.0/users/delta", "points at https://graph.microsoft.com.evil.example")]
    [TestCase("http://graph.microsoft.com/v1.0/users/delta", "points at http://graph.microsoft.com,")]
    public void Any_other_link_is_refused_naming_what_is_wrong(string link, string expected)
    {
        var error = Assert.Throws<JsonException>(() => GraphLinks.OnOrigin(link, Root, "@odata.nextLink"));

        Assert.That(error!.Message, Does.StartWith("the @odata.nextLink").And.Contain(expected));
    }
}
