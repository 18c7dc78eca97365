using System.Text;
using MFlow.Documents;
using MFlow.Scheduler.Pipelines;

namespace MFlow.Scheduler.Api;

/// <summary>Reads a request body within its route's limit (<see cref="RequestLimits"/>).</summary>
public static class RequestBody
{
    static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The body's bytes; never more than the route's limit are read.</summary>
    /// <exception cref="DocumentLimitException">The body is larger than the route takes (answered 413 by <see cref="RequestLimits"/>).</exception>
    public static Task<byte[]> ReadBytesAsync(HttpRequest http, CancellationToken cancellationToken)
    {
        var maxBytes = http.HttpContext.GetEndpoint()?.Metadata.GetMetadata<BodyRules>()?.MaxBytes ?? 0;
        return BoundedReader.ReadAllAsync(http.Body, maxBytes, "request body", cancellationToken);
    }

    /// <summary>The body as text (UTF-8, a byte order mark dropped).</summary>
    /// <exception cref="PipelineValidationException">The body is not UTF-8.</exception>
    /// <exception cref="DocumentLimitException">The body is larger than the route takes.</exception>
    public static async Task<string> ReadAsync(HttpRequest http, CancellationToken cancellationToken)
    {
        var bytes = await ReadBytesAsync(http, cancellationToken);
        var start = bytes.AsSpan().StartsWith(Encoding.UTF8.Preamble) ? Encoding.UTF8.Preamble.Length : 0;
        try
        {
            return StrictUtf8.GetString(bytes, start, bytes.Length - start);
        }
        catch (DecoderFallbackException)
        {
            throw PipelineValidationException.For("body", "The body is not valid UTF-8 text.");
        }
    }
}
