namespace MFlow.Cli.Api;

/// <summary>
/// What makes a POST safe to send again after the server answered 503 or 429: a key by which the
/// server answers a repeat with what the first request did, never doing it twice. The key goes in
/// the Idempotency-Key header (<see cref="Header"/>), or the body carries its own (the header would
/// override it, so none is sent), or the request is one the server does only once by itself.
/// </summary>
/// <param name="Header">The key sent as Idempotency-Key; null when the body carries the key or none is needed.</param>
public sealed record IdempotencyKey(string? Header)
{
    /// <summary>A key made for this command line: one invocation, one run however often it is sent.</summary>
    public static IdempotencyKey New() => new($"mflow-cli-{Guid.NewGuid():N}");

    /// <summary>
    /// Safe to repeat without a header: the request's body names its own key, or the server never
    /// carries the request out twice (resume acts only on a Failed or Cancelled run, and the 503 that
    /// makes it come again is answered before anything was done).
    /// </summary>
    public static IdempotencyKey WithoutHeader { get; } = new((string?)null);
}
