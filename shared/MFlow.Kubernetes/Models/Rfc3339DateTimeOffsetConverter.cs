using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MFlow.Kubernetes.Models;

/// <summary>
/// Writes timestamps as RFC 3339 in UTC with second precision (<c>2024-05-01T12:00:00Z</c>), which
/// is how the API server writes <c>metav1.Time</c>; reads any ISO 8601 form, fractions included.
/// </summary>
public sealed class Rfc3339DateTimeOffsetConverter : JsonConverter<DateTimeOffset>
{
    /// <inheritdoc />
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString();
        if (string.IsNullOrEmpty(text))
        {
            throw new JsonException("Expected an RFC 3339 timestamp, got an empty string.");
        }

        return DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
}
