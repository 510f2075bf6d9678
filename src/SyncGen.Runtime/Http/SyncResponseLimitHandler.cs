using System;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace SyncGen;

/// <summary>
/// Caps the size of a response body after decompression, so that a broken or hostile server (or a small gzip that
/// inflates to gigabytes) cannot exhaust memory: past the cap, reading the body throws
/// <see cref="SyncPageTooLargeException"/>, which the sync loop reports as
/// <see cref="SyncProtocolViolation.PageTooLarge"/> without retrying. Put it between <see cref="HttpClient"/> and the
/// handler that decompresses, e.g. <c>new HttpClient(new SyncResponseLimitHandler(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.All, AllowAutoRedirect = false }))</c>.
/// </summary>
public sealed class SyncResponseLimitHandler : DelegatingHandler
{
    /// <summary>The default cap: 64 MiB, some 60 times a full page of 2,500 Calendar events.</summary>
    public const long DefaultMaxBytes = 64L * 1024 * 1024;

    /// <summary>Creates the handler.</summary>
    /// <param name="innerHandler">The handler that sends requests (and decompresses responses).</param>
    /// <param name="maxBytes">The largest body accepted, in bytes after decompression.</param>
    public SyncResponseLimitHandler(HttpMessageHandler innerHandler, long maxBytes = DefaultMaxBytes)
        : base(innerHandler)
    {
        if (maxBytes < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxBytes), maxBytes, "The response size cap must be at least one byte.");
        }

        MaxBytes = maxBytes;
    }

    /// <summary>The largest body accepted, in bytes after decompression.</summary>
    public long MaxBytes { get; }

    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.Content is { } content)
        {
            if (content.Headers.ContentLength is long announced && announced > MaxBytes)
            {
                response.Dispose();
                throw new SyncPageTooLargeException(MaxBytes, announced);
            }

            response.Content = new LimitedContent(content, MaxBytes);
        }

        return response;
    }

    private sealed class LimitedContent : HttpContent
    {
        private readonly HttpContent _inner;
        private readonly long _maxBytes;

        public LimitedContent(HttpContent inner, long maxBytes)
        {
            _inner = inner;
            _maxBytes = maxBytes;
            foreach (var header in inner.Headers)
            {
                Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            var source = await _inner.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var buffer = new byte[81920];
            long total = 0;
            int read;
            while ((read = await source.ReadAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false)) > 0)
            {
                total += read;
                if (total > _maxBytes)
                {
                    throw new SyncPageTooLargeException(_maxBytes, null);
                }

                await stream.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}

/// <summary>A response body was larger than the cap of <see cref="SyncResponseLimitHandler"/>; it is not retried.</summary>
public sealed class SyncPageTooLargeException : IOException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="maxBytes">The cap.</param>
    /// <param name="announcedBytes">The size the server announced, when it did.</param>
    public SyncPageTooLargeException(long maxBytes, long? announcedBytes)
        : base(announcedBytes is long announced
            ? $"the response body announces {announced:N0} bytes, more than the {maxBytes:N0}-byte cap (SyncResponseLimitHandler.MaxBytes)"
            : $"the response body exceeded the {maxBytes:N0}-byte cap after decompression (SyncResponseLimitHandler.MaxBytes)")
    {
        MaxBytes = maxBytes;
    }

    /// <summary>The cap that was exceeded.</summary>
    public long MaxBytes { get; }
}
