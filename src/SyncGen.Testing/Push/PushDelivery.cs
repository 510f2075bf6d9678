using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace SyncGen.Testing.Push;

/// <summary>A notification to post: where, its headers, its body.</summary>
internal sealed record PushNotification(Uri Address, string ChannelId, string Kind, IReadOnlyList<KeyValuePair<string, string>> Headers, string? JsonBody = null);

/// <summary>
/// Sends the notifications of one fake server over real HTTP, applying its <see cref="PushFaults"/> in this one place,
/// and journals each. Sends run in the background; <see cref="WhenDeliveredAsync"/> waits for them.
/// </summary>
internal sealed class PushDelivery : IAsyncDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(15) };
    private readonly TimeProvider _time;
    private readonly object _gate = new();
    private readonly List<PushDeliveryRecord> _journal = new();
    private readonly CancellationTokenSource _stopping = new();
    private int _inFlight;
    private TaskCompletionSource? _idle;

    public PushDelivery(TimeProvider time) => _time = time;

    public PushFaults Faults { get; } = new();

    public IReadOnlyList<PushDeliveryRecord> Journal
    {
        get
        {
            lock (_gate)
            {
                return _journal.ToArray();
            }
        }
    }

    /// <summary>Sends a notification in the background, as the faults decide.</summary>
    public void Enqueue(PushNotification notification)
    {
        var (copies, wait) = Faults.Decide();
        if (copies == 0)
        {
            Record(new PushDeliveryRecord(notification.ChannelId, notification.Kind, 0, Dropped: true, Forged: false, _time.GetUtcNow()));
            return;
        }

        for (var copy = 0; copy < copies; copy++)
        {
            Begin();
            _ = Task.Run(async () =>
            {
                try
                {
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait, _stopping.Token).ConfigureAwait(false);
                    }

                    await SendAsync(notification, forged: false).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
                {
                    // The server is stopping.
                }
                finally
                {
                    End();
                }
            });
        }
    }

    /// <summary>Sends one notification now, past the faults, and returns the webhook's status (0 when unreachable).</summary>
    public async Task<int> SendAsync(PushNotification notification, bool forged, string? query = null)
    {
        var uri = query is null ? notification.Address : new Uri(notification.Address + (notification.Address.Query.Length == 0 ? "?" : "&") + query);
        using var request = new HttpRequestMessage(HttpMethod.Post, uri);
        foreach (var header in notification.Headers)
        {
            request.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        if (notification.JsonBody is not null)
        {
            request.Content = new StringContent(notification.JsonBody, Encoding.UTF8, "application/json");
        }

        int status;
        try
        {
            using var response = await _http.SendAsync(request, _stopping.Token).ConfigureAwait(false);
            status = (int)response.StatusCode;
        }
        catch (HttpRequestException)
        {
            status = 0;
        }

        Record(new PushDeliveryRecord(notification.ChannelId, notification.Kind, status, Dropped: false, forged, _time.GetUtcNow()));
        return status;
    }

    /// <summary>Posts Graph's validation request and returns the answer's status and body.</summary>
    public async Task<(int Status, string Body, string? ContentType)> ValidateAsync(Uri address, string token, TimeSpan deadline)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(address + (address.Query.Length == 0 ? "?" : "&") + "validationToken=" + Uri.EscapeDataString(token)))
        {
            Content = new StringContent(string.Empty, Encoding.UTF8, "text/plain"),
        };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        timeout.CancelAfter(deadline);
        int status;
        string body;
        string? contentType;
        try
        {
            using var response = await _http.SendAsync(request, timeout.Token).ConfigureAwait(false);
            (status, body, contentType) = ((int)response.StatusCode, await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false), response.Content.Headers.ContentType?.MediaType);
        }
        catch (Exception exception) when (exception is HttpRequestException || (exception is OperationCanceledException && !_stopping.IsCancellationRequested))
        {
            (status, body, contentType) = (0, string.Empty, null);
        }

        Record(new PushDeliveryRecord("", "validation", status, Dropped: false, Forged: false, _time.GetUtcNow()));
        return (status, body, contentType);
    }

    /// <summary>Completes when no notification is waiting or being sent.</summary>
    public Task WhenDeliveredAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_inFlight == 0)
            {
                return Task.CompletedTask;
            }

            _idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _idle.Task.WaitAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _http.Dispose();
    }

    private void Record(PushDeliveryRecord record)
    {
        lock (_gate)
        {
            _journal.Add(record);
        }
    }

    private void Begin()
    {
        lock (_gate)
        {
            _inFlight++;
        }
    }

    private void End()
    {
        TaskCompletionSource? idle = null;
        lock (_gate)
        {
            if (--_inFlight == 0)
            {
                (idle, _idle) = (_idle, null);
            }
        }

        idle?.TrySetResult();
    }
}
