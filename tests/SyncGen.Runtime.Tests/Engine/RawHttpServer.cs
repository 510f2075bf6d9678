using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace SyncGen.Runtime.Tests.Engine;

/// <summary>
/// An HTTP/1.1 server on 127.0.0.1 that writes each answer byte by byte as a script says: a body that stalls, a gzip
/// body that does not decompress, a small gzip that inflates to gigabytes. Real sockets, no framework in between, so
/// the client meets exactly what a broken proxy would send. One request per connection.
/// </summary>
internal sealed class RawHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<int, string, NetworkStream, CancellationToken, Task> _answer;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;
    private readonly List<Task> _connections = new();
    private int _requests;

    /// <param name="answer">Given the 0-based request number and the request target (path and query), writes the whole answer.</param>
    public RawHttpServer(Func<int, string, NetworkStream, CancellationToken, Task> answer)
    {
        _answer = answer;
        _listener.Start();
        _loop = AcceptAsync();
    }

    public Uri BaseUri => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

    public int Requests => Volatile.Read(ref _requests);

    /// <summary>The head (request line and headers) of every request, in arrival order.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> Heads { get; } = new();

    /// <summary>A 200 JSON page of <paramref name="ids"/> ending the pass with <paramref name="syncToken"/>.</summary>
    public static string Page(string syncToken, params string[] ids) =>
        "{\"items\":[" + string.Join(",", Array.ConvertAll(ids, id => $"{{\"id\":\"{id}\",\"status\":\"confirmed\"}}")) + $"],\"nextSyncToken\":\"{syncToken}\"}}";

    public static async Task WriteAsync(NetworkStream stream, int status, string? contentEncoding, byte[] body, CancellationToken cancellationToken, int? announcedLength = null)
    {
        var head = new StringBuilder()
            .Append($"HTTP/1.1 {status} X\r\n")
            .Append("Content-Type: application/json\r\n")
            .Append($"Content-Length: {announcedLength ?? body.Length}\r\n")
            .Append("Connection: close\r\n");
        if (contentEncoding is not null)
        {
            head.Append($"Content-Encoding: {contentEncoding}\r\n");
        }

        head.Append("\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()), cancellationToken);
        await stream.WriteAsync(body, cancellationToken);
        await stream.FlushAsync(cancellationToken);
    }

    public static byte[] Gzip(byte[] content)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            gzip.Write(content);
        }

        return output.ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (Exception e) when (e is ObjectDisposedException or SocketException or OperationCanceledException)
        {
        }

        Task[] running;
        lock (_connections)
        {
            running = _connections.ToArray();
        }

        try
        {
            await Task.WhenAll(running);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // A client that gave up mid-answer: expected in these tests.
        }

        _stopping.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stopping.Token);
            var number = Interlocked.Increment(ref _requests) - 1;
            lock (_connections)
            {
                _connections.Add(ServeAsync(client, number));
            }
        }
    }

    private async Task ServeAsync(TcpClient client, int number)
    {
        using (client)
        {
            var stream = client.GetStream();
            var (target, head) = await ReadRequestAsync(stream, _stopping.Token);
            Heads.Enqueue(head);
            await _answer(number, target, stream, _stopping.Token);
        }
    }

    private static async Task<(string Target, string Head)> ReadRequestAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var received = new List<byte>();
        var buffer = new byte[4096];
        int end;
        while ((end = IndexOfBlankLine(received)) < 0)
        {
            var read = await stream.ReadAsync(buffer, cancellationToken);
            if (read == 0)
            {
                return ("/", Encoding.ASCII.GetString(received.ToArray()));
            }

            received.AddRange(buffer.AsSpan(0, read).ToArray());
        }

        var head = Encoding.ASCII.GetString(received.GetRange(0, end).ToArray());

        // Read a request body (a token request's form) so that closing the connection does not reset it early.
        var length = 0;
        foreach (var line in head.Split("\r\n"))
        {
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            {
                length = int.Parse(line["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        var bodyRead = received.Count - (end + 4);
        while (bodyRead < length)
        {
            var read = await stream.ReadAsync(buffer, cancellationToken);
            if (read == 0)
            {
                break;
            }

            bodyRead += read;
        }

        var requestLine = head.Split("\r\n")[0].Split(' ');
        return (requestLine.Length > 1 ? requestLine[1] : "/", head);
    }

    private static int IndexOfBlankLine(List<byte> bytes)
    {
        for (var i = 3; i < bytes.Count; i++)
        {
            if (bytes[i - 3] == '\r' && bytes[i - 2] == '\n' && bytes[i - 1] == '\r' && bytes[i] == '\n')
            {
                return i - 3;
            }
        }

        return -1;
    }
}
