using System.Net;
using System.Text.Json;
using MFlow.IntegrationTests.Support;
using Npgsql;

namespace MFlow.IntegrationTests.Pipelines;

[Collection(SharedClusterCollection.Name)]
public sealed class When_posting_an_invalid_pipeline(ServiceCluster cluster)
{
    private const string Container = "container: { image: alpine:3.20, command: [sh, -c, 'echo hi'] }";

    /// <summary>By case: the document, its content type, the field the answer must name, and a fragment of what it must say.</summary>
    private static readonly Dictionary<string, (string Document, string ContentType, string Field, string Fragment)> _documents = new()
    {
        ["when with an unknown operator"] =
        (
            $"name: p\nstages:\n  - name: build\n    tasks:\n      - name: compile\n        kind: build\n        when: [{{ input: x, operator: equals, values: [x] }}]\n        {Container}\n",
            "application/yaml", "stages[0].tasks[0].when[0].operator", "equals"
        ),
        ["when naming a param nobody gives"] =
        (
            $"name: p\nstages:\n  - name: build\n    when: [{{ input: \"$(params.ENV)\", equals: prod }}]\n    tasks:\n      - name: compile\n        kind: build\n        {Container}\n",
            "application/yaml", "stages[0].when[0].input", "$(params.ENV)"
        ),
        ["when naming the output of a task that is not earlier"] =
        (
            $"name: p\nstages:\n  - name: build\n    tasks:\n      - name: compile\n        kind: build\n        when: [{{ input: \"$(tasks.compile.outputs.IMAGE)\", operator: notin, values: [\"\"] }}]\n        {Container}\n",
            "application/yaml", "stages[0].tasks[0].when[0].input", "not in an earlier stage"
        ),
        ["malformed YAML"] =
        (
            "name: broken\nstages:\n  - name: build\n    tasks: [ { name: compile, kind: build\n",
            "application/yaml", "body", "line"
        ),
        ["malformed JSON"] =
        (
            """{"name": "broken", "stages": [ {"name": "build", "tasks": [ """,
            "application/json", "body", "line"
        ),
        ["unknown job kind"] =
        (
            $"name: p\nstages:\n  - name: build\n    tasks:\n      - name: compile\n        kind: docker\n        {Container}\n",
            "application/yaml", "stages[0].tasks[0].kind", "docker"
        ),
        ["missing kind"] =
        (
            $"name: p\nstages:\n  - name: build\n    tasks:\n      - name: compile\n        {Container}\n",
            "application/yaml", "stages[0].tasks[0].kind", "kind"
        ),
        ["missing image"] =
        (
            """{"name":"p","stages":[{"name":"build","tasks":[{"name":"compile","kind":"build","container":{"command":["true"]}}]}]}""",
            "application/json", "stages[0].tasks[0].container.image", "image"
        ),
        ["missing pipeline name"] =
        (
            $"stages:\n  - name: build\n    tasks:\n      - name: compile\n        kind: build\n        {Container}\n",
            "application/yaml", "name", "name"
        ),
        ["missing task name in a later stage"] =
        (
            $"name: p\nstages:\n  - name: build\n    tasks:\n      - name: compile\n        kind: build\n        {Container}\n  - name: ship\n    tasks:\n      - kind: deploy\n        {Container}\n",
            "application/yaml", "stages[1].tasks[0].name", "name"
        ),
        ["empty stage"] =
        (
            $"name: p\nstages:\n  - name: build\n    tasks: []\n",
            "application/yaml", "stages[0].tasks", "at least one task"
        ),
        ["null stage"] =
        (
            "name: p\nstages:\n  -\n",
            "application/yaml", "stages[0]", "empty"
        ),
        ["unknown field"] =
        (
            $"name: p\nstages:\n  - name: build\n    tasks:\n      - name: compile\n        kind: build\n        colour: red\n        {Container}\n",
            "application/yaml", "body", "colour"
        ),
        ["no stages"] =
        (
            """{"name":"p","stages":[]}""",
            "application/json", "stages", "at least one stage"
        ),
    };

    /// <summary>The case names.</summary>
    public static TheoryData<string> Cases => [.. _documents.Keys];

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Should_answer_400_problem_details_naming_the_field(string @case)
    {
        var (document, contentType, field, fragment) = _documents[@case];
        var runsBefore = await CountRunsAsync();

        using var response = await cluster.PostRunAsync(document, contentType);
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{@case}: {(int)response.StatusCode} {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(body);
        Assert.Equal(400, problem.RootElement.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.RootElement.GetProperty("title").GetString()), body);
        var errors = problem.RootElement.GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out var messages), $"{@case}: the answer does not name '{field}': {body}");
        Assert.Contains(messages.EnumerateArray(), message => message.GetString()!.Contains(fragment, StringComparison.OrdinalIgnoreCase));
        Assert.Equal(runsBefore, await CountRunsAsync());
    }

    private async Task<long> CountRunsAsync()
    {
        await using var connection = await cluster.Database.OpenConnectionAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM runs", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
