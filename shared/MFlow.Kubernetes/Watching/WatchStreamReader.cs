using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using MFlow.Kubernetes.Errors;
using MFlow.Kubernetes.Models;

namespace MFlow.Kubernetes.Watching;

/// <summary>
/// Reads a watch response: one JSON event per line, parsed as each line completes, however the
/// bytes were split into chunks. ERROR events are thrown as typed exceptions.
/// </summary>
internal sealed class WatchStreamReader<T>(Stream stream, JsonTypeInfo<T> typeInfo, string operation) : IDisposable
    where T : IKubernetesObject
{
    private readonly StreamReader _reader = new(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 16 * 1024, leaveOpen: false);
    private readonly JsonTypeInfo<T> _typeInfo = typeInfo;
    private readonly string _operation = operation;

    /// <summary>The next event, or null when the server ended the stream.</summary>
    public async ValueTask<WatchEvent<T>?> ReadAsync(CancellationToken cancellationToken)
    {
        while (await _reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (!string.IsNullOrWhiteSpace(line) && Parse(line) is { } watchEvent)
            {
                return watchEvent;
            }
        }

        return null;
    }

    public void Dispose() => _reader.Dispose();

    private WatchEvent<T>? Parse(string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("type", out var typeElement)
                || typeElement.ValueKind != JsonValueKind.String
                || !root.TryGetProperty("object", out var objectElement))
            {
                throw new InvalidDataException($"The watch stream of {_operation} carried an event without type or object.");
            }

            WatchEventType type;
            switch (typeElement.GetString())
            {
                case "ADDED":
                    type = WatchEventType.Added;
                    break;
                case "MODIFIED":
                    type = WatchEventType.Modified;
                    break;
                case "DELETED":
                    type = WatchEventType.Deleted;
                    break;
                case "BOOKMARK":
                    type = WatchEventType.Bookmark;
                    break;
                case "ERROR":
                    var status = objectElement.Deserialize(KubernetesJsonContext.Default.Status) ?? new Status { Message = "empty ERROR event" };
                    throw KubernetesErrors.FromStatus($"watch {_operation}", code: null, status);
                default:
                    // A type this client does not know yet (the protocol may grow); skipping it
                    // is safer than ending the watch.
                    return null;
            }

            var item = objectElement.Deserialize(_typeInfo)
                ?? throw new InvalidDataException($"The watch stream of {_operation} carried a null object.");
            return new WatchEvent<T>(type, item);
        }
        catch (JsonException ex)
        {
            // Not the line itself in the message: objects may be Secrets.
            throw new InvalidDataException($"The watch stream of {_operation} carried malformed JSON (line {ex.LineNumber}, byte {ex.BytePositionInLine}).", ex);
        }
    }
}
