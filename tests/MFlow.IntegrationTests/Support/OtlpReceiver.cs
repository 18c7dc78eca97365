using System.IO.Compression;
using System.Net;
using System.Text;
using MFlow.Testing;

namespace MFlow.IntegrationTests.Support;

/// <summary>A span as a service exported it.</summary>
/// <param name="Service">The exporting service's <c>service.name</c>.</param>
/// <param name="TraceId">The trace, as 32 hex digits.</param>
/// <param name="SpanId">The span, as 16 hex digits.</param>
/// <param name="ParentSpanId">Its parent span (16 hex digits), or null for a trace's root.</param>
/// <param name="Name">The span's name.</param>
/// <param name="Kind">OTLP's span kind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer.</param>
/// <param name="Attributes">Its string (and integer) attributes.</param>
public sealed record ReceivedSpan(string Service, string TraceId, string SpanId, string? ParentSpanId, string Name, int Kind, IReadOnlyDictionary<string, string> Attributes)
{
    /// <summary>OTLP's span kinds.</summary>
    public const int Server = 2, Producer = 4, Consumer = 5;

    /// <inheritdoc />
    public override string ToString() => $"{Service}: {Name} [{SpanId} ← {ParentSpanId ?? "root"}]";
}

/// <summary>
/// An OTLP/HTTP receiver (protobuf, what OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf sends) that keeps
/// every span in memory: services running as separate processes export their traces to it as they
/// would to a collector. Metrics and logs are accepted and dropped.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly List<ReceivedSpan> _spans = [];
    private readonly Task _serving;

    private OtlpReceiver(int port)
    {
        Endpoint = new Uri($"http://127.0.0.1:{port}");
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _serving = Task.Run(ServeAsync);
    }

    /// <summary>The base address for OTEL_EXPORTER_OTLP_ENDPOINT.</summary>
    public Uri Endpoint { get; }

    /// <summary>The environment that points a service at this receiver.</summary>
    public IReadOnlyDictionary<string, string?> EnvironmentFor(string serviceName) => new Dictionary<string, string?>
    {
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = Endpoint.ToString(),
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        ["OTEL_SERVICE_NAME"] = serviceName,
        // Spans reach the test within a fraction of a second instead of the default 5 s.
        ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
    };

    /// <summary>Every span received so far.</summary>
    public IReadOnlyList<ReceivedSpan> Spans
    {
        get
        {
            lock (_spans)
            {
                return [.. _spans];
            }
        }
    }

    /// <summary>Starts a receiver on a free loopback port.</summary>
    public static OtlpReceiver Start() => new(FreePort.Next());

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _serving.ContinueWith(_ => { }, TaskScheduler.Default);
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            try
            {
                using var body = new MemoryStream();
                var input = context.Request.Headers["Content-Encoding"] == "gzip"
                    ? new GZipStream(context.Request.InputStream, CompressionMode.Decompress)
                    : context.Request.InputStream;
                await input.CopyToAsync(body);
                if (context.Request.Url?.AbsolutePath == "/v1/traces")
                {
                    var spans = ReadTraces(body.ToArray());
                    lock (_spans)
                    {
                        _spans.AddRange(spans);
                    }
                }

                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/x-protobuf";
            }
            catch (Exception)
            {
                context.Response.StatusCode = 400;
            }

            context.Response.Close();
        }
    }

    // ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
    // ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
    // Resource { repeated KeyValue attributes = 1; }   ScopeSpans { repeated Span spans = 2; }
    // Span { bytes trace_id = 1; bytes span_id = 2; bytes parent_span_id = 4; string name = 5;
    //        SpanKind kind = 6; repeated KeyValue attributes = 9; }
    private static List<ReceivedSpan> ReadTraces(byte[] request)
    {
        var spans = new List<ReceivedSpan>();
        foreach (var resourceSpans in Protobuf.Fields(request).Where(f => f.Number == 1))
        {
            var fields = Protobuf.Fields(resourceSpans.Bytes).ToList();
            var resource = fields.Where(f => f.Number == 1).Select(f => Attributes(f.Bytes, 1)).FirstOrDefault() ?? new Dictionary<string, string>();
            var service = resource.GetValueOrDefault("service.name", "");
            foreach (var scopeSpans in fields.Where(f => f.Number == 2))
            {
                foreach (var span in Protobuf.Fields(scopeSpans.Bytes).Where(f => f.Number == 2))
                {
                    var parts = Protobuf.Fields(span.Bytes).ToList();
                    byte[] Bytes(int number) => Protobuf.BytesOf(parts, number);
                    var parent = Bytes(4);
                    spans.Add(new ReceivedSpan(
                        service,
                        Convert.ToHexStringLower(Bytes(1)),
                        Convert.ToHexStringLower(Bytes(2)),
                        parent.Length == 0 ? null : Convert.ToHexStringLower(parent),
                        Encoding.UTF8.GetString(Bytes(5)),
                        (int)parts.LastOrDefault(p => p.Number == 6).Varint,
                        Attributes(span.Bytes, 9)));
                }
            }
        }

        return spans;
    }

    // KeyValue { string key = 1; AnyValue value = 2; }  AnyValue { string string_value = 1; bool bool_value = 2; int64 int_value = 3; }
    private static Dictionary<string, string> Attributes(byte[] message, int field)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var keyValue in Protobuf.Fields(message).Where(f => f.Number == field))
        {
            var parts = Protobuf.Fields(keyValue.Bytes).ToList();
            var key = Encoding.UTF8.GetString(Protobuf.BytesOf(parts, 1));
            var value = Protobuf.Fields(Protobuf.BytesOf(parts, 2)).FirstOrDefault(new Protobuf.Field(0, 0, []));
            attributes[key] = value.Number switch
            {
                1 => Encoding.UTF8.GetString(value.Bytes),
                3 => ((long)value.Varint).ToString(System.Globalization.CultureInfo.InvariantCulture),
                _ => "",
            };
        }

        return attributes;
    }

    /// <summary>Just enough of the protobuf wire format to read OTLP: varints and length-delimited fields.</summary>
    private static class Protobuf
    {
        public readonly record struct Field(int Number, ulong Varint, byte[] Bytes);

        // The last occurrence wins, as protobuf merges a repeated scalar field.
        public static byte[] BytesOf(IEnumerable<Field> fields, int number) =>
            fields.Where(f => f.Number == number).Select(f => f.Bytes).LastOrDefault() ?? [];

        public static IEnumerable<Field> Fields(byte[] message)
        {
            var position = 0;
            while (position < message.Length)
            {
                var tag = ReadVarint(message, ref position);
                var number = (int)(tag >> 3);
                switch (tag & 7)
                {
                    case 0:
                        yield return new Field(number, ReadVarint(message, ref position), []);
                        break;
                    case 1:
                        position += 8;
                        yield return new Field(number, 0, []);
                        break;
                    case 2:
                        var length = (int)ReadVarint(message, ref position);
                        yield return new Field(number, 0, message[position..(position + length)]);
                        position += length;
                        break;
                    case 5:
                        position += 4;
                        yield return new Field(number, 0, []);
                        break;
                    default:
                        throw new InvalidDataException($"Unsupported protobuf wire type {tag & 7}.");
                }
            }
        }

        private static ulong ReadVarint(byte[] message, ref int position)
        {
            ulong value = 0;
            for (var shift = 0; ; shift += 7)
            {
                var b = message[position++];
                value |= (ulong)(b & 0x7F) << shift;
                if ((b & 0x80) == 0)
                    return value;
            }
        }
    }
}
