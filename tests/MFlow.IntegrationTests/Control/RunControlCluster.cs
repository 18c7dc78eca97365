using System.Text;
using System.Text.Json;
using MFlow.IntegrationTests.Kubernetes;
using MFlow.Scheduler.Api;
using MFlow.Testing;

namespace MFlow.IntegrationTests.Control;

/// <summary>The run-control tests share one of these.</summary>
[CollectionDefinition(Name)]
public sealed class RunControlCollection : ICollectionFixture<RunControlCluster>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "run control cluster";
}

/// <summary>
/// MFlow on the Kubernetes executor with two scheduler replicas (gates and slots must hold across
/// them), one aggregator and one worker per kind, and API keys of each role plus a named approver.
/// </summary>
public sealed class RunControlCluster() : KubernetesCluster(new ClusterReplicas(Schedulers: 2, Aggregators: 1, WorkersPerKind: 1))
{
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The named approver's key name (role operator).</summary>
    public const string ReleaseManager = "release-manager";

    /// <summary>An operator key's client, on the first scheduler.</summary>
    public HttpClient Operator { get; private set; } = null!;

    /// <summary>A viewer key's client.</summary>
    public HttpClient Viewer { get; private set; } = null!;

    /// <summary>The named approver's client, on the second scheduler.</summary>
    public HttpClient Approver { get; private set; } = null!;

    /// <summary>The admin key's client on each scheduler replica.</summary>
    public IReadOnlyList<HttpClient> AdminOnEach { get; private set; } = [];

    /// <inheritdoc />
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Operator = ApiKeys.Client(Schedulers[0].BaseAddress, await ApiKeys.CreateAsync(Api, "ctl-operator", "operator"));
        Viewer = ApiKeys.Client(Schedulers[0].BaseAddress, await ApiKeys.CreateAsync(Api, "ctl-viewer", "viewer"));
        Approver = ApiKeys.Client(Schedulers[1].BaseAddress, await ApiKeys.CreateAsync(Api, ReleaseManager, "operator"));
        AdminOnEach = Schedulers.Select(s => ApiKeys.Client(s.BaseAddress, Api.DefaultRequestHeaders.Authorization!.Parameter!)).ToList();
    }

    /// <inheritdoc />
    public override async Task DisposeAsync()
    {
        foreach (var client in new[] { Operator, Viewer, Approver }.Concat(AdminOnEach))
            client?.Dispose();
        await base.DisposeAsync();
    }

    /// <summary>POST /api/v1/runs/{id}/{approve|reject} with a comment.</summary>
    public static Task<HttpResponseMessage> DecideAsync(HttpClient client, Guid runId, string decision, string comment) =>
        client.PostAsync($"/api/v1/runs/{runId}/{decision}", new StringContent(JsonSerializer.Serialize(new { comment }), Encoding.UTF8, "application/json"));

    /// <summary>POST /api/v1/runs on a given client; the answer as it came.</summary>
    public static Task<HttpResponseMessage> PostRunAsync(HttpClient client, string document) =>
        client.PostAsync("/api/v1/runs", new StringContent(document, Encoding.UTF8, "application/yaml"));

    /// <summary>The run id of a 201 answer.</summary>
    public static async Task<Guid> RunIdOfAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, $"POST /api/v1/runs answered {(int)response.StatusCode}: {body}");
        return JsonSerializer.Deserialize<RunAccepted>(body, Json)!.Id;
    }
}
