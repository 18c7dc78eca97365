using System.Net;
using System.Text.Json;
using MFlow.IntegrationTests.Support;
using MFlow.Scheduler.Runs;

namespace MFlow.IntegrationTests.Definitions;

[Collection(DefinitionsCollection.Name)]
public sealed class When_an_update_token_is_misused(DefinitionsCluster cluster)
{
    static object InlineTask(string name) =>
        new { name, kind = "build", container = new { image = "busybox:1.36", command = new[] { "sh", "-c", "true" } } };

    [Fact]
    public async Task Should_refuse_wrong_foreign_ended_tokens_and_oversized_outputs_without_changing_what_is_stored()
    {
        var runId = await cluster.StartRunAsync(new
        {
            name = DefinitionsCluster.Unique("tokens"),
            stages = new[] { new { name = "work", tasks = new[] { InlineTask("first"), InlineTask("second") } } },
        });
        var first = await cluster.WaitForTaskJobAsync(runId, "first");
        var second = await cluster.WaitForTaskJobAsync(runId, "second");
        var firstToken = cluster.UpdateTokenOf(first);
        var secondToken = cluster.UpdateTokenOf(second);
        Assert.NotEqual(firstToken, secondToken);
        var firstId = RunPlanner.TaskId(runId, "first");

        using (var stored = await cluster.WriteOutputsAsync(firstId, firstToken, new { values = new { RESULT = "42" }, summary = "All *good*." }))
            Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        var before = await StoredOutputsAsync(runId);
        Assert.Equal("42", before["first"].Outputs["RESULT"]);

        await RefusedAsync(firstId, "not-the-token", new { values = new { RESULT = "wrong" } },
            HttpStatusCode.Unauthorized, "The update token is not valid for this task.", null);
        await RefusedAsync(firstId, null, new { values = new { RESULT = "none" } },
            HttpStatusCode.Unauthorized, "An update token is required.", null);
        await RefusedAsync(firstId, secondToken, new { values = new { RESULT = "foreign" }, summary = "hijacked" },
            HttpStatusCode.Unauthorized, "The update token is not valid for this task.", null);
        await RefusedAsync(firstId, firstToken, new { values = new { RESULT = "small", BIG = new string('x', 64 * 1024 + 1) } },
            HttpStatusCode.RequestEntityTooLarge, "The outputs are too large.", "Output BIG is 65537 bytes; the limit is 65536 bytes per value.");
        var many = Enumerable.Range(1, 17).ToDictionary(i => $"PART_{i}", _ => new string('y', 64_000));
        await RefusedAsync(firstId, firstToken, new { values = many },
            HttpStatusCode.RequestEntityTooLarge, "The outputs are too large.", "the limit is 1048576 bytes per task.");

        // The task ends: its token is refused from now on.
        await cluster.CompleteAsync(first);
        await cluster.WaitForRunAsync(runId, run => run.Task("first").State == "Succeeded", "the first task has ended");
        await RefusedAsync(firstId, firstToken, new { values = new { RESULT = "late" }, summary = "too late" },
            HttpStatusCode.Forbidden, "The task has ended.", "An update token is valid only while its task attempt runs.");

        await cluster.CompleteAsync(second);
        var finished = await cluster.WaitForRunAsync(runId, run => Runs.IsFinal(run.State), "the run ends");
        Assert.True(finished.State == "Succeeded", Runs.Summary(finished));
        AssertSame(before, await StoredOutputsAsync(runId));

        var (json, _) = await cluster.GetRunAsync(runId);
        Assert.DoesNotContain(firstToken, json);
        Assert.DoesNotContain(secondToken, json);
        await cluster.AssertNowhereInLogsOrEventsAsync("an update token", firstToken, secondToken);

        async Task RefusedAsync(Guid taskId, string? token, object body, HttpStatusCode status, string title, string? detail)
        {
            using var response = await cluster.WriteOutputsAsync(taskId, token, body);
            Assert.Equal(status, response.StatusCode);
            var problem = await ApiProblem.ReadAsync(response);
            Assert.Equal(title, problem.Title);
            if (detail is not null)
                Assert.EndsWith(detail, problem.Detail);
            AssertSame(before, await StoredOutputsAsync(runId));
        }
    }

    [Fact]
    public async Task Should_never_show_sensitive_params_or_tokens_in_logs_api_responses_or_events()
    {
        var ns = DefinitionsCluster.Unique("sensitive");
        var defaultSecret = "dflt" + DefinitionsCluster.RandomText(28);
        var runSecret = "runv" + DefinitionsCluster.RandomText(28);
        var rollbackSecret = "rbck" + DefinitionsCluster.RandomText(28);
        var jobId = await cluster.CreateJobAsync($$"""
            name: vault-user
            namespace: {{ns}}
            domain: secrets
            version: v1
            kind: build
            params:
              - { name: API_TOKEN, sensitive: true, default: {{defaultSecret}} }
              - { name: DB_PASSWORD, sensitive: true, required: true }
              - { name: COLOUR, default: blue }
            template:
              container: { image: "busybox:1.36", command: [sh, -c, 'test -n "$API_TOKEN" && test -n "$DB_PASSWORD"'] }
            rollback:
              params: { API_TOKEN: {{rollbackSecret}}, COLOUR: grey }
            """);

        // Definitions show a sensitive default (and rollback value) masked, by id, by name and in lists.
        foreach (var path in new[] { $"/api/v1/jobs/{jobId}", $"/api/v1/jobs/vault-user@{ns}.secrets:latest", $"/api/v1/jobs?namespace={ns}" })
        {
            using var response = await cluster.Viewer.GetAsync(path);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, body);
            Assert.DoesNotContain(defaultSecret, body);
            Assert.DoesNotContain(rollbackSecret, body);
            Assert.Contains("\"default\":\"******\"", body);
            Assert.Contains("\"API_TOKEN\":\"******\"", body);
            Assert.Contains("\"COLOUR\":\"grey\"", body);
        }

        var runId = await cluster.StartRunAsync(new
        {
            pipeline = new
            {
                name = DefinitionsCluster.Unique("sensitive-run"),
                stages = new[] { new { name = "use", tasks = new[] { new { name = "use", job = $"vault-user@{ns}.secrets:v1" } } } },
            },
            @params = new { DB_PASSWORD = runSecret },
        });
        var job = await cluster.WaitForTaskJobAsync(runId, "use");
        var token = cluster.UpdateTokenOf(job);

        // The values reach the task through its Secret, by reference; the Job itself holds neither.
        Assert.Equal(defaultSecret, cluster.SecretValue(job, "param-api-token"));
        Assert.Equal(runSecret, cluster.SecretValue(job, "param-db-password"));
        var jobJson = job.ToJsonString();
        Assert.DoesNotContain(defaultSecret, jobJson);
        Assert.DoesNotContain(runSecret, jobJson);
        Assert.DoesNotContain(token, jobJson);
        Assert.Equal("blue", When_params_are_checked_at_submission.Env(job)["COLOUR"]);

        await cluster.CompleteAsync(job);
        var run = await cluster.WaitForRunAsync(runId, r => Runs.IsFinal(r.State), "the run ends");
        Assert.True(run.State == "Succeeded", Runs.Summary(run));

        foreach (var path in new[] { $"/api/v1/runs/{runId}", "/api/v1/runs?limit=500", $"/api/v1/runs/{runId}/tasks/use/log" })
        {
            using var response = await cluster.Viewer.GetAsync(path);
            var body = await response.Content.ReadAsStringAsync();
            foreach (var secret in new[] { defaultSecret, runSecret, rollbackSecret, token })
                Assert.DoesNotContain(secret, body);
        }

        await cluster.AssertNowhereInLogsOrEventsAsync("a sensitive param or the update token", defaultSecret, runSecret, rollbackSecret, token);
        await cluster.AssertNowhereInLogsOrEventsAsync("an API key", [.. cluster.KeySecrets]);
    }

    async Task<Dictionary<string, (Dictionary<string, string> Outputs, string? Summary)>> StoredOutputsAsync(Guid runId)
    {
        var (_, run) = await cluster.GetRunAsync(runId);
        return run.Stages.SelectMany(s => s.Tasks).ToDictionary(t => t.Name, t => (new Dictionary<string, string>(t.Outputs), t.Summary));
    }

    static void AssertSame(
        Dictionary<string, (Dictionary<string, string> Outputs, string? Summary)> expected,
        Dictionary<string, (Dictionary<string, string> Outputs, string? Summary)> actual) =>
        Assert.Equal(
            JsonSerializer.Serialize(expected.ToDictionary(e => e.Key, e => new { outputs = e.Value.Outputs.OrderBy(o => o.Key), e.Value.Summary })),
            JsonSerializer.Serialize(actual.ToDictionary(e => e.Key, e => new { outputs = e.Value.Outputs.OrderBy(o => o.Key), e.Value.Summary })));
}
