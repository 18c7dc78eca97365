using System.Text.Json;

namespace MFlow.IntegrationTests.Definitions;

/// <summary>A problem details answer as a user reads it: title, detail, status and, for 400, each field's errors.</summary>
public sealed record ApiProblem(string? Title, string? Detail, int? Status, Dictionary<string, string[]>? Errors)
{
    static readonly JsonSerializerOptions _json = new(JsonSerializerDefaults.Web);

    /// <summary>Reads the answer's problem details.</summary>
    public static async Task<ApiProblem> ReadAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.Content.Headers.ContentType?.MediaType == "application/problem+json", $"not problem details ({(int)response.StatusCode}): {body}");
        return JsonSerializer.Deserialize<ApiProblem>(body, _json)!;
    }

    /// <summary>The field errors of a 400 answer.</summary>
    public static async Task<Dictionary<string, string[]>> ErrorsAsync(HttpResponseMessage response) =>
        (await ReadAsync(response)).Errors ?? [];
}
