using System.Net;
using System.Net.Http.Json;
using System.Text;
using MassTransit;
using MFlow.IntegrationTests.Support;
using MFlow.Persistence;
using MFlow.Scheduler.Extensions;
using MFlow.Scheduler.Runs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace MFlow.IntegrationTests.Definitions;

[Collection(DefinitionsCollection.Name)]
public sealed class When_the_api_is_called_without_the_needed_role(DefinitionsCluster cluster)
{
    /// <summary>A route as mapped, a request that reaches it, and the lowest role it needs.</summary>
    public sealed record Route(string Method, string Pattern, string Path, string Needs)
    {
        public override string ToString() => $"{Method} {Pattern}";
    }

    static readonly string Id = Guid.NewGuid().ToString();

    // Every /api/v1 route but the task-output one (which takes a task's token, tested below).
    // Paths name nothing that exists, so a role that may pass changes nothing.
    static readonly Route[] _routes =
    [
        new("POST", "/api/v1/runs/", "/api/v1/runs", "operator"),
        new("GET", "/api/v1/runs/", "/api/v1/runs", "viewer"),
        new("GET", "/api/v1/runs/{id:guid}", $"/api/v1/runs/{Id}", "viewer"),
        new("POST", "/api/v1/runs/{id:guid}/cancel", $"/api/v1/runs/{Id}/cancel", "operator"),
        new("POST", "/api/v1/runs/{id:guid}/approve", $"/api/v1/runs/{Id}/approve", "operator"),
        new("POST", "/api/v1/runs/{id:guid}/reject", $"/api/v1/runs/{Id}/reject", "operator"),
        new("POST", "/api/v1/runs/{id:guid}/rerun", $"/api/v1/runs/{Id}/rerun", "operator"),
        new("POST", "/api/v1/runs/{id:guid}/resume", $"/api/v1/runs/{Id}/resume", "operator"),
        new("GET", "/api/v1/runs/{id:guid}/tasks/{task}/log", $"/api/v1/runs/{Id}/tasks/build/log", "viewer"),
        new("GET", "/api/v1/runs/{id:guid}/events", $"/api/v1/runs/{Id}/events", "viewer"),
        new("GET", "/api/v1/me", "/api/v1/me", "viewer"),
        new("POST", "/api/v1/pipelines/{reference}/runs", "/api/v1/pipelines/nothing@no.where/runs", "operator"),
        .. DefinitionRoutes("jobs"),
        .. DefinitionRoutes("pipelines"),
        new("GET", "/api/v1/clusters/", "/api/v1/clusters", "viewer"),
        new("GET", "/api/v1/clusters/{id}", "/api/v1/clusters/no-such-cluster", "viewer"),
        new("POST", "/api/v1/clusters/", "/api/v1/clusters", "admin"),
        new("PUT", "/api/v1/clusters/{id}", "/api/v1/clusters/no-such-cluster", "admin"),
        new("DELETE", "/api/v1/clusters/{id}", "/api/v1/clusters/no-such-cluster", "admin"),
        new("GET", "/api/v1/keys/", "/api/v1/keys", "admin"),
        new("POST", "/api/v1/keys/", "/api/v1/keys", "admin"),
        new("DELETE", "/api/v1/keys/{id:guid}", $"/api/v1/keys/{Id}", "admin"),
        new("GET", "/api/v1/triggers/", "/api/v1/triggers", "viewer"),
        new("GET", "/api/v1/triggers/{name}", "/api/v1/triggers/no-such-trigger", "viewer"),
        new("GET", "/api/v1/triggers/{name}/deliveries", "/api/v1/triggers/no-such-trigger/deliveries", "viewer"),
        new("POST", "/api/v1/triggers/", "/api/v1/triggers", "admin"),
        new("PUT", "/api/v1/triggers/{name}", "/api/v1/triggers/no-such-trigger", "admin"),
        new("DELETE", "/api/v1/triggers/{name}", "/api/v1/triggers/no-such-trigger", "admin"),
        new("GET", "/api/v1/subscriptions/", "/api/v1/subscriptions", "viewer"),
        new("GET", "/api/v1/subscriptions/{id:guid}", $"/api/v1/subscriptions/{Id}", "viewer"),
        new("POST", "/api/v1/subscriptions/", "/api/v1/subscriptions", "admin"),
        new("PUT", "/api/v1/subscriptions/{id:guid}", $"/api/v1/subscriptions/{Id}", "admin"),
        new("DELETE", "/api/v1/subscriptions/{id:guid}", $"/api/v1/subscriptions/{Id}", "admin"),
        new("GET", "/api/v1/subscriptions/{id:guid}/deliveries", $"/api/v1/subscriptions/{Id}/deliveries", "viewer"),
        new("POST", "/api/v1/subscriptions/{id:guid}/test", $"/api/v1/subscriptions/{Id}/test", "admin"),
    ];

    static IEnumerable<Route> DefinitionRoutes(string type) =>
    [
        new("POST", $"/api/v1/{type}/", $"/api/v1/{type}", "admin"),
        new("GET", $"/api/v1/{type}/", $"/api/v1/{type}", "viewer"),
        new("GET", $"/api/v1/{type}/{{id}}", $"/api/v1/{type}/nothing@no.where:latest", "viewer"),
        new("GET", $"/api/v1/{type}/{{id:guid}}/changes", $"/api/v1/{type}/{Id}/changes", "viewer"),
        new("PUT", $"/api/v1/{type}/{{id:guid}}", $"/api/v1/{type}/{Id}", "admin"),
        new("POST", $"/api/v1/{type}/{{id:guid}}/publish", $"/api/v1/{type}/{Id}/publish", "admin"),
        new("POST", $"/api/v1/{type}/{{id:guid}}/deprecate", $"/api/v1/{type}/{Id}/deprecate", "admin"),
        new("DELETE", $"/api/v1/{type}/{{id:guid}}", $"/api/v1/{type}/{Id}", "admin"),
    ];

    public static TheoryData<string> Routes => new(_routes.Select(route => route.ToString()));

    [Fact]
    public void Should_walk_every_route_the_scheduler_maps()
    {
        // The scheduler's API mapped as it maps it (nothing started, nothing connected), to catch a
        // route added without a line in the table above.
        var builder = WebApplication.CreateBuilder();
        builder.Configuration["ConnectionStrings:Postgres"] = "Host=unused";
        builder.AddMFlowDatabase();
        builder.AddSchedulerServices();
        builder.Services.AddMassTransit(bus => bus.UsingInMemory());
        using var app = builder.Build();
        app.MapSchedulerApi();

        var mapped = ((IEndpointRouteBuilder)app).DataSources.SelectMany(source => source.Endpoints).OfType<RouteEndpoint>()
            .Where(endpoint => endpoint.RoutePattern.RawText!.StartsWith("/api/v1/", StringComparison.Ordinal))
            .SelectMany(endpoint => endpoint.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Select(method => $"{method} {endpoint.RoutePattern.RawText}"))
            .Order(StringComparer.Ordinal);
        // Besides the table: the task-output route (a task's token) and a trigger's webhook (the trigger's
        // secret, When_a_git_server_calls_a_trigger), which take no API key.
        var walked = _routes.Select(route => route.ToString()).Append("POST /api/v1/tasks/{id:guid}/outputs")
            .Append("POST /api/v1/triggers/{name}").Order(StringComparer.Ordinal);
        Assert.Equal(walked, mapped);
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Should_answer_401_without_a_key_or_with_a_bad_one(string name)
    {
        var route = _routes.Single(r => r.ToString() == name);
        using (var response = await SendAsync(cluster.Anonymous, route))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("An API key is required.", (await ApiProblem.ReadAsync(response)).Title);
        }

        using var badKey = cluster.Client("mflow_" + DefinitionsCluster.RandomText(43));
        using (var response = await SendAsync(badKey, route))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("The API key is not valid.", (await ApiProblem.ReadAsync(response)).Title);
        }
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Should_answer_403_naming_the_needed_role_to_a_lower_one_and_let_the_needed_one_through(string name)
    {
        var route = _routes.Single(r => r.ToString() == name);
        var roles = new (string Role, HttpClient Client, string Key)[]
        {
            ("viewer", cluster.Viewer, "definitions-viewer"),
            ("operator", cluster.Operator, "definitions-operator"),
            ("admin", cluster.Admin, "definitions-admin"),
        };
        var needed = Array.FindIndex(roles, r => r.Role == route.Needs);
        foreach (var (role, client, key) in roles[..needed])
        {
            using var response = await SendAsync(client, route);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            var problem = await ApiProblem.ReadAsync(response);
            Assert.Equal("Your API key may not do this.", problem.Title);
            Assert.Equal($"This needs the '{route.Needs}' role; the key '{key}' has '{role}'.", problem.Detail);
        }

        foreach (var (role, client, _) in roles[needed..])
        {
            using var response = await SendAsync(client, route);
            Assert.True(response.StatusCode is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden),
                $"{route} refused the {role} key: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    [Fact]
    public async Task Should_refuse_an_api_key_on_the_task_output_route()
    {
        var runId = await cluster.StartRunAsync(new
        {
            name = DefinitionsCluster.Unique("output-route"),
            stages = new[] { new { name = "work", tasks = new[] { new { name = "work", kind = "build", container = new { image = "busybox:1.36", command = new[] { "true" } } } } } },
        });
        var job = await cluster.WaitForTaskJobAsync(runId, "work");
        var taskId = RunPlanner.TaskId(runId, "work");

        foreach (var client in new[] { cluster.Admin, cluster.Operator, cluster.Viewer })
        {
            using var response = await client.PostAsJsonAsync($"/api/v1/tasks/{taskId}/outputs", new { values = new { STOLEN = "yes" } }, DefinitionsCluster.Json);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("The update token is not valid for this task.", (await ApiProblem.ReadAsync(response)).Title);
        }

        using (var own = await cluster.WriteOutputsAsync(taskId, cluster.UpdateTokenOf(job), new { values = new { MINE = "yes" } }))
            Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        await cluster.CompleteAsync(job);
        var run = await cluster.WaitForRunAsync(runId, r => Runs.IsFinal(r.State), "the run ends");
        Assert.Equal(new Dictionary<string, string> { ["MINE"] = "yes" }, run.Task("work").Outputs);
    }

    [Fact]
    public async Task Should_hand_a_kubeconfig_to_the_deploy_task_secret_and_show_it_nowhere_else()
    {
        var clusterId = DefinitionsCluster.Unique("target");
        var first = "kcfirst" + DefinitionsCluster.RandomText(32);
        var current = "kccurrent" + DefinitionsCluster.RandomText(32);
        var inline = "kcinline" + DefinitionsCluster.RandomText(32);
        var responses = new StringBuilder();

        using (var created = await cluster.Admin.PostAsJsonAsync("/api/v1/clusters", new { id = clusterId, description = "staging", kubeconfig = Kubeconfig(first) }, DefinitionsCluster.Json))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            responses.Append(await created.Content.ReadAsStringAsync());
        }

        using (var updated = await cluster.Admin.PutAsJsonAsync($"/api/v1/clusters/{clusterId}", new { description = "staging", kubeconfig = Kubeconfig(current) }, DefinitionsCluster.Json))
        {
            Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
            responses.Append(await updated.Content.ReadAsStringAsync());
        }

        var runId = await cluster.StartRunAsync(new
        {
            name = DefinitionsCluster.Unique("remote-deploy"),
            stages = new[]
            {
                new
                {
                    name = "deploy",
                    tasks = new object[]
                    {
                        new { name = "staging", job = "kubectl@mflow.builtin:latest", @params = new { WORKLOAD_NAME = "shop", IMAGE = "registry.example.com/shop:2.0", CLUSTER = clusterId } },
                        new { name = "inline", job = "kubectl@mflow.builtin:latest", @params = new { WORKLOAD_NAME = "shop", IMAGE = "registry.example.com/shop:2.0", KUBECONFIG = Kubeconfig(inline) } },
                    },
                },
            },
        });
        var job = await cluster.WaitForTaskJobAsync(runId, "staging");
        var inlineJob = await cluster.WaitForTaskJobAsync(runId, "inline");
        Assert.Equal(Kubeconfig(inline), cluster.SecretValue(inlineJob, "kubeconfig"));
        Assert.DoesNotContain(inline, inlineJob.ToJsonString());

        // It reaches the task through its Secret, mounted for kubectl; the Job names it only by reference.
        Assert.Equal(Kubeconfig(current), cluster.SecretValue(job, "kubeconfig"));
        Assert.DoesNotContain(current, job.ToJsonString());
        Assert.Null(job["spec"]!["template"]!["spec"]!["serviceAccountName"]);
        Assert.Contains(job["spec"]!["template"]!["spec"]!["volumes"]!.AsArray(), volume => volume!["secret"]?["secretName"]?.GetValue<string>() == DefinitionsCluster.JobName(job));

        await cluster.CompleteAsync(job);
        await cluster.CompleteAsync(inlineJob);
        var run = await cluster.WaitForRunAsync(runId, r => Runs.IsFinal(r.State), "the run ends");
        Assert.True(run.State == "Succeeded", Runs.Summary(run));

        foreach (var path in new[] { "/api/v1/clusters", $"/api/v1/clusters/{clusterId}", $"/api/v1/runs/{runId}", "/api/v1/runs?limit=500", $"/api/v1/runs/{runId}/tasks/staging/log", $"/api/v1/runs/{runId}/tasks/inline/log" })
        {
            using var response = await cluster.Viewer.GetAsync(path);
            responses.Append(await response.Content.ReadAsStringAsync());
        }

        Assert.Contains(clusterId, responses.ToString());
        Assert.DoesNotContain(first, responses.ToString());
        Assert.DoesNotContain(current, responses.ToString());
        Assert.DoesNotContain(inline, responses.ToString());
        Assert.DoesNotContain("target.example.com", responses.ToString());
        await cluster.AssertNowhereInLogsOrEventsAsync("a kubeconfig (registered or inline)", first, current, inline, "target.example.com");
    }

    static string Kubeconfig(string token) => $$"""
        apiVersion: v1
        kind: Config
        clusters:
        - name: target
          cluster:
            server: https://target.example.com:6443
        contexts:
        - name: target
          context: {cluster: target, user: deployer, namespace: shop}
        current-context: target
        users:
        - name: deployer
          user:
            token: {{token}}

        """;

    static async Task<HttpResponseMessage> SendAsync(HttpClient client, Route route)
    {
        using var request = new HttpRequestMessage(new HttpMethod(route.Method), route.Path);
        if (route.Method is "POST" or "PUT")
            request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        return await client.SendAsync(request);
    }
}
