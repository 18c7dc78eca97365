using System.Text.Json;
using System.Text.Json.Serialization;

namespace MFlow.IntegrationTests.Support;

/// <summary>Pipeline documents (JSON, which the API reads like YAML) whose tasks run shell scripts.</summary>
public static class PipelineDocuments
{
    private static readonly JsonSerializerOptions _json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>A task that runs <paramref name="script"/> with <c>sh -c</c>.</summary>
    public static object ShellTask(string name, string kind, string script, IReadOnlyDictionary<string, string>? parameters = null) => new
    {
        name,
        kind,
        @params = parameters,
        container = new { image = "alpine:3.20", command = new[] { "sh", "-c", script } },
    };

    /// <summary>A stage.</summary>
    public static object Stage(string name, params object[] tasks) => new { name, tasks };

    /// <summary>A pipeline document as JSON.</summary>
    public static string Document(string name, params object[] stages) => JsonSerializer.Serialize(new { name, stages }, _json);
}
