using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using NUnit.Framework;
using SyncGen.Runtime.Tests.Engine;

namespace CalendarSync.Tests;

/// <summary>
/// Issue 9 point 5 through the CLI with a real service-account credential (a fresh RSA key, a token server on
/// 127.0.0.1): the bearer token goes to the API's origin only, never across a redirect, and never over plain http to a
/// host that is not loopback.
/// </summary>
public class CredentialLeakTests : CalendarSyncTestBase
{
    private const string AccessToken = "ya29.secret-test-token";

    private static async Task<string> WriteServiceAccountAsync(string folder, Uri tokenServer)
    {
        using var rsa = RSA.Create(2048);
        var path = Path.Combine(folder, "service-account.json");
        var json = JsonSerializer.Serialize(new
        {
            type = "service_account",
            project_id = "syncgen-test",
            private_key_id = "key-1",
            private_key = rsa.ExportPkcs8PrivateKeyPem(),
            client_email = "sync@syncgen-test.iam.gserviceaccount.com",
            client_id = "1",
            token_uri = new Uri(tokenServer, "token").ToString(),
        });
        await File.WriteAllTextAsync(path, json);
        return path;
    }

    private static RawHttpServer TokenServer() => new((_, _, stream, token) =>
        RawHttpServer.WriteAsync(stream, 200, null, Encoding.UTF8.GetBytes($"{{\"access_token\":\"{AccessToken}\",\"expires_in\":3600,\"token_type\":\"Bearer\"}}"), token));

    [Test]
    public async Task A_redirect_to_another_origin_does_not_carry_the_bearer_token()
    {
        await using var tokens = TokenServer();
        await using var elsewhere = new RawHttpServer((_, _, stream, token) =>
            RawHttpServer.WriteAsync(stream, 200, null, Encoding.UTF8.GetBytes(RawHttpServer.Page("sync-1", "a")), token));
        await using var api = new RawHttpServer(async (_, target, stream, token) =>
        {
            var location = new Uri(elsewhere.BaseUri, target.TrimStart('/'));
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"), token);
        });
        var credentials = await WriteServiceAccountAsync(Path.GetDirectoryName(StorePath)!, tokens.BaseUri);

        var sync = await CommandLineTests.RunAsync("sync", "--base-url", new Uri(api.BaseUri, "calendar/v3").ToString(), "--store", StorePath, "--credentials", credentials);

        Assert.That(sync.ExitCode, Is.Zero, sync.StdErr);
        Assert.That(api.Heads.Single(), Does.Contain($"Bearer {AccessToken}"), "the API's own origin gets the token");
        Assert.That(elsewhere.Heads, Has.Count.EqualTo(1));
        Assert.That(elsewhere.Heads.Single(), Does.Not.Contain("Authorization").IgnoreCase.And.Not.Contain(AccessToken));
    }

    [Test]
    public async Task Credentials_are_refused_over_plain_http_to_a_host_that_is_not_loopback()
    {
        await using var tokens = TokenServer();
        var credentials = await WriteServiceAccountAsync(Path.GetDirectoryName(StorePath)!, tokens.BaseUri);

        var sync = await CommandLineTests.RunAsync("sync", "--base-url", "http://calendar.example.com/calendar/v3", "--store", StorePath, "--credentials", credentials);

        Assert.That(sync.ExitCode, Is.EqualTo(2), sync.StdErr);
        Assert.That(sync.StdErr.Trim(), Does.StartWith("error: ").And.Contain("plain http"));
        Assert.That(tokens.Requests, Is.Zero, "no token was even requested");
        Assert.That(File.Exists(StorePath), Is.False);
    }
}
