using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MFlow.Scheduler.Definitions;

namespace MFlow.IntegrationTests.Definitions;

[Collection(DefinitionsCollection.Name)]
public sealed class When_a_job_moves_through_its_lifecycle(DefinitionsCluster cluster)
{
    static readonly JsonSerializerOptions _json = new(JsonSerializerDefaults.Web);

    static string Job(string name, string @namespace, string domain, string version, string description = "prints a greeting", string labels = "{}") => $$"""
        name: {{name}}
        namespace: {{@namespace}}
        domain: {{domain}}
        version: {{version}}
        kind: build
        description: {{description}}
        labels: {{labels}}
        params:
          - { name: GREETING, default: hello, usage: template }
        template:
          container: { image: "busybox:1.36", command: [echo, "$(params.GREETING)"] }
        """;

    [Fact]
    public async Task Should_refuse_changes_once_published_and_resolve_latest_to_the_newest_published_version()
    {
        var ns = DefinitionsCluster.Unique("life");
        var unversioned = $"greet@{ns}.lifecycle";

        using var created = await cluster.Admin.PostAsync("/api/v1/jobs?reason=first%20draft", DefinitionsCluster.Yaml(Job("greet", ns, "lifecycle", "v1")));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var v1 = await Read<DefinitionView>(created);
        Assert.Equal("draft", v1.Stage);
        Assert.Equal($"/api/v1/jobs/{v1.Id}", created.Headers.Location?.ToString());
        using (var noLatest = await cluster.Viewer.GetAsync($"/api/v1/jobs/{unversioned}:latest"))
            Assert.Equal(HttpStatusCode.NotFound, noLatest.StatusCode); // a draft is never "latest"

        using (var updated = await cluster.Admin.PutAsync($"/api/v1/jobs/{v1.Id}?reason=better%20words", DefinitionsCluster.Yaml(Job("greet", ns, "lifecycle", "v1", "says hello"))))
        {
            Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
            Assert.Equal("says hello", (await Read<DefinitionView>(updated)).Definition!["description"]!.GetValue<string>());
        }

        using (var published = await cluster.Admin.PostAsync($"/api/v1/jobs/{v1.Id}/publish?reason=ship%20it", null))
        {
            Assert.Equal(HttpStatusCode.OK, published.StatusCode);
            Assert.Equal("published", (await Read<DefinitionView>(published)).Stage);
        }

        using (var refused = await cluster.Admin.PutAsync($"/api/v1/jobs/{v1.Id}", DefinitionsCluster.Yaml(Job("greet", ns, "lifecycle", "v1", "sneaky edit"))))
        {
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            var problem = await ApiProblem.ReadAsync(refused);
            Assert.Equal($"{unversioned}:v1 is published and cannot be changed.", problem.Title);
            Assert.Equal("Only a draft can be edited; a published job is immutable. Create a new version instead.", problem.Detail);
        }

        using (var notDeleted = await cluster.Admin.DeleteAsync($"/api/v1/jobs/{v1.Id}"))
            Assert.Equal(HttpStatusCode.Conflict, notDeleted.StatusCode);
        using (var unchanged = await cluster.Viewer.GetAsync($"/api/v1/jobs/{v1.Id}"))
            Assert.Equal("says hello", (await Read<DefinitionView>(unchanged)).Definition!["description"]!.GetValue<string>());

        var v2 = await cluster.CreateJobAsync(Job("greet", ns, "lifecycle", "v2", "says hello twice"));
        Assert.Equal("v2", (await Latest(unversioned)).Version);
        Assert.Equal("v1", (await Get($"{unversioned}:v1")).Version); // an exact version is still found by name

        using (var deprecated = await cluster.Admin.PostAsync($"/api/v1/jobs/{v2}/deprecate?reason=broken%20greeting", null))
        {
            Assert.Equal(HttpStatusCode.OK, deprecated.StatusCode);
            Assert.Equal("deprecated", (await Read<DefinitionView>(deprecated)).Stage);
        }

        Assert.Equal("v1", (await Latest(unversioned)).Version);

        using (var againDeprecated = await cluster.Admin.PostAsync($"/api/v1/jobs/{v2}/deprecate", null))
        {
            Assert.Equal(HttpStatusCode.Conflict, againDeprecated.StatusCode);
            Assert.Equal("Only a published definition can be deprecated.", (await ApiProblem.ReadAsync(againDeprecated)).Detail);
        }

        // A new run naming the deprecated version is refused, naming the task's job field.
        var pipeline = DefinitionsCluster.Unique("deprecated-run");
        using (var refusedRun = await cluster.Operator.PostAsJsonAsync("/api/v1/runs", new
        {
            name = pipeline,
            stages = new[] { new { name = "only", tasks = new[] { new { name = "hi", job = $"{unversioned}:v2" } } } },
        }, DefinitionsCluster.Json))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refusedRun.StatusCode);
            var errors = await ApiProblem.ErrorsAsync(refusedRun);
            Assert.Equal(
                [$"Job {unversioned}:v2 is deprecated: new runs cannot use it (runs already using it finish)."],
                errors["stages[0].tasks[0].job"]);
        }

        using (var runs = await cluster.Viewer.GetAsync("/api/v1/runs?limit=500"))
            Assert.DoesNotContain(pipeline, await runs.Content.ReadAsStringAsync());

        // ...while a run naming "latest" gets v1.
        var runId = await cluster.StartRunAsync(new
        {
            name = DefinitionsCluster.Unique("latest-run"),
            stages = new[] { new { name = "only", tasks = new[] { new { name = "hi", job = $"{unversioned}:latest" } } } },
        });
        var (_, run) = await cluster.GetRunAsync(runId);
        Assert.Equal($"{unversioned}:v1", run.Stages[0].Tasks[0].Job);
        var job = await cluster.WaitForTaskJobAsync(runId, "hi");
        await cluster.CompleteAsync(job);
        await cluster.WaitForRunAsync(runId, r => r.State == "Succeeded", "the run of v1 succeeds");
    }

    [Fact]
    public async Task Should_record_who_changed_a_job_when_and_why()
    {
        var ns = DefinitionsCluster.Unique("audit");
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        using var created = await cluster.Admin.PostAsync("/api/v1/jobs?reason=new%20job", DefinitionsCluster.Yaml(Job("audited", ns, "lifecycle", "v1")));
        var id = (await Read<DefinitionView>(created)).Id;
        (await cluster.Admin.PutAsync($"/api/v1/jobs/{id}?reason=typo", DefinitionsCluster.Yaml(Job("audited", ns, "lifecycle", "v1", "fixed")))).Dispose();
        (await cluster.Admin.PostAsync($"/api/v1/jobs/{id}/publish?reason=release%201.4", null)).Dispose();
        (await cluster.Admin.PostAsync($"/api/v1/jobs/{id}/deprecate", null)).Dispose();
        var after = DateTimeOffset.UtcNow.AddSeconds(1);

        using var response = await cluster.Viewer.GetAsync($"/api/v1/jobs/{id}/changes");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var changes = await Read<List<DefinitionChange>>(response);

        Assert.Equal(
            [("create", "new job"), ("update", "typo"), ("publish", "release 1.4"), ("deprecate", null)],
            changes.Select(c => (c.Action, c.Reason)));
        Assert.All(changes, change =>
        {
            Assert.Equal(DefinitionsCluster.AdminKeyName, change.Actor);
            Assert.InRange(change.At, before, after);
        });
        Assert.Equal(changes.Select(c => c.At).Order(), changes.Select(c => c.At));

        var view = await Get(id.ToString());
        Assert.Equal(DefinitionsCluster.AdminKeyName, view.CreatedBy);
        Assert.Equal(DefinitionsCluster.AdminKeyName, view.UpdatedBy);
        Assert.NotNull(view.PublishedAt);
        Assert.NotNull(view.DeprecatedAt);
    }

    [Fact]
    public async Task Should_list_jobs_filtered_by_namespace_domain_stage_and_label()
    {
        var ns = DefinitionsCluster.Unique("list");
        await cluster.CreateJobAsync(Job("a", ns, "alpha", "v1", labels: "{team: red}"));
        await cluster.CreateJobAsync(Job("b", ns, "alpha", "v1", labels: "{team: blue}"), publish: false);
        await cluster.CreateJobAsync(Job("c", ns, "beta", "v1", labels: "{team: red, tier: gold}"));

        Assert.Equal(["a", "b", "c"], await List($"namespace={ns}"));
        Assert.Equal(["a", "b"], await List($"namespace={ns}&domain=alpha"));
        Assert.Equal(["a", "c"], await List($"namespace={ns}&stage=published"));
        Assert.Equal(["b"], await List($"namespace={ns}&stage=draft"));
        Assert.Equal(["a", "c"], await List($"namespace={ns}&label=team=red"));
        Assert.Equal(["c"], await List($"namespace={ns}&label=team=red&label=tier=gold"));
        Assert.Empty(await List($"namespace={ns}&domain=beta&stage=draft"));
        Assert.Contains("kubectl", await List("namespace=mflow&domain=builtin&label=mflow.dev/builtin=true"));

        using var malformed = await cluster.Viewer.GetAsync($"/api/v1/jobs?namespace={ns}&label=team");
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal(["'team' is not key=value."], (await ApiProblem.ErrorsAsync(malformed))["label"]);
    }

    async Task<IReadOnlyList<string>> List(string query)
    {
        using var response = await cluster.Viewer.GetAsync($"/api/v1/jobs?{query}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await Read<List<DefinitionView>>(response)).Select(d => d.Name).ToList();
    }

    async Task<DefinitionView> Latest(string unversioned) => await Get($"{unversioned}:latest");

    async Task<DefinitionView> Get(string reference)
    {
        using var response = await cluster.Viewer.GetAsync($"/api/v1/jobs/{reference}");
        Assert.True(response.IsSuccessStatusCode, $"GET {reference} answered {(int)response.StatusCode}");
        return await Read<DefinitionView>(response);
    }

    static async Task<T> Read<T>(HttpResponseMessage response) =>
        JsonSerializer.Deserialize<T>(await response.Content.ReadAsStringAsync(), _json)!;
}
