using MFlow.Scheduler.Pipelines;

namespace MFlow.Scheduler.Api;

/// <summary>Reads a request body as text, at most one document's worth.</summary>
public static class RequestBody
{
    /// <summary>The body, or a validation error when it is larger than <see cref="PipelineDocumentParser.MaxDocumentLength"/>.</summary>
    public static async Task<string> ReadAsync(HttpRequest http, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(http.Body);
        var buffer = new char[PipelineDocumentParser.MaxDocumentLength + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await reader.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
            length += read;
        if (length > PipelineDocumentParser.MaxDocumentLength)
            throw PipelineValidationException.For("body", $"The document is longer than {PipelineDocumentParser.MaxDocumentLength} characters.");
        return new string(buffer, 0, length);
    }
}
