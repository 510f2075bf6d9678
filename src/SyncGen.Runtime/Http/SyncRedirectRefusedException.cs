using System;

namespace SyncGen;

/// <summary>
/// A page request was redirected to another origin than the endpoint's; the sync loop reports it as
/// <see cref="SyncProtocolViolation.RedirectToAnotherOrigin"/> without retrying, and nothing of the answer is stored.
/// </summary>
/// <remarks>
/// <see cref="SyncHttpPageSource{TItem}"/> follows a redirect on the endpoint's origin itself and refuses one to any
/// other origin before sending anything there, when the <see cref="System.Net.Http.HttpClient"/> hands it the 3xx
/// (built with <c>AllowAutoRedirect = false</c>). A client that follows redirects on its own (the default) has already
/// sent the request there, with every header but <c>Authorization</c>, when the page source sees the answer: the
/// answer is then refused unread and <see cref="FollowedByClient"/> is <see langword="true"/>.
/// </remarks>
public sealed class SyncRedirectRefusedException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="api">The API's name, for the message (the dialect's).</param>
    /// <param name="targetOrigin">The origin (scheme, host, port) the redirect pointed at.</param>
    /// <param name="endpointOrigin">The endpoint's origin.</param>
    /// <param name="followedByClient">Whether the client had followed the redirect before the page source saw it.</param>
    public SyncRedirectRefusedException(string api, string targetOrigin, string endpointOrigin, bool followedByClient)
        : base(followedByClient
            ? $"the {api} answer came from {targetOrigin}, not the endpoint's origin {endpointOrigin}: the HttpClient followed a redirect there on its own, so that host received the request with every client header but Authorization; its answer is not read. Build the client with AllowAutoRedirect = false and the page source refuses such a redirect before anything is sent"
            : $"the {api} server redirected to {targetOrigin}, not the endpoint's origin {endpointOrigin}; the redirect is not followed, so credentials never leave the API")
    {
        TargetOrigin = targetOrigin ?? throw new ArgumentNullException(nameof(targetOrigin));
        EndpointOrigin = endpointOrigin ?? throw new ArgumentNullException(nameof(endpointOrigin));
        FollowedByClient = followedByClient;
    }

    /// <summary>The origin the redirect pointed at, e.g. <c>https://login.example.net</c>.</summary>
    public string TargetOrigin { get; }

    /// <summary>The endpoint's origin.</summary>
    public string EndpointOrigin { get; }

    /// <summary>Whether the client had already followed the redirect (so the request reached <see cref="TargetOrigin"/>).</summary>
    public bool FollowedByClient { get; }
}
