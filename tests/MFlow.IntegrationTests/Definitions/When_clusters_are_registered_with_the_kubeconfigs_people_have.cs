using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using MFlow.IntegrationTests.Support;

namespace MFlow.IntegrationTests.Definitions;

/// <summary>EKS, GKE and AKS clusters (exec plugins) and OIDC users register, and their kubeconfigs reach the deploy task as written.</summary>
[Collection(DefinitionsCollection.Name)]
public sealed class When_clusters_are_registered_with_the_kubeconfigs_people_have(DefinitionsCluster cluster)
{
    static string Kubeconfig(string user) => $"""
        apiVersion: v1
        kind: Config
        clusters:
        - name: prod
          cluster:
            server: https://prod.example.com
            certificate-authority-data: {Convert.ToBase64String("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"u8.ToArray())}
        contexts:
        - name: prod
          context: {"{"}cluster: prod, user: deployer, namespace: shop{"}"}
        current-context: prod
        users:
        - name: deployer
          user:
        {user}
        """;

    static readonly string Eks = Kubeconfig("""
              exec:
                apiVersion: client.authentication.k8s.io/v1beta1
                command: aws
                args: [eks, get-token, --cluster-name, prod, --region, eu-west-1]
                env: [{name: AWS_PROFILE, value: deploy}]
        """);

    static string Oidc(string refreshToken) => Kubeconfig($"""
              auth-provider:
                name: oidc
                config:
                  idp-issuer-url: https://dex.example.com
                  client-id: kubernetes
                  refresh-token: {refreshToken}
        """);

    [Fact]
    public async Task Should_register_exec_and_oidc_users_and_hand_them_to_the_deploy_task_unchanged()
    {
        var eks = DefinitionsCluster.Unique("eks");
        var oidc = DefinitionsCluster.Unique("oidc");
        var refreshToken = "rt" + DefinitionsCluster.RandomText(32);

        foreach (var (id, kubeconfig) in new[] { (eks, Eks), (oidc, Oidc(refreshToken)) })
        {
            using var created = await cluster.Admin.PostAsJsonAsync("/api/v1/clusters", new { id, kubeconfig }, DefinitionsCluster.Json);
            Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        }

        var runId = await cluster.StartRunAsync(new
        {
            name = DefinitionsCluster.Unique("cloud-deploy"),
            stages = new[]
            {
                new
                {
                    name = "deploy",
                    tasks = new object[]
                    {
                        new { name = "eks", job = "kubectl@mflow.builtin:latest", @params = new { WORKLOAD_NAME = "shop", IMAGE = "registry.example.com/shop:2.0", CLUSTER = eks } },
                        new { name = "oidc", job = "kubectl@mflow.builtin:latest", @params = new { WORKLOAD_NAME = "shop", IMAGE = "registry.example.com/shop:2.0", CLUSTER = oidc } },
                    },
                },
            },
        });
        var eksJob = await cluster.WaitForTaskJobAsync(runId, "eks");
        var oidcJob = await cluster.WaitForTaskJobAsync(runId, "oidc");

        Assert.Equal(Eks, cluster.SecretValue(eksJob, "kubeconfig"));
        Assert.Equal(Oidc(refreshToken), cluster.SecretValue(oidcJob, "kubeconfig"));
        await cluster.CompleteAsync(eksJob);
        await cluster.CompleteAsync(oidcJob);
        await cluster.AssertNowhereInLogsOrEventsAsync("an OIDC refresh token", refreshToken);
    }

    [Fact]
    public async Task Should_start_no_task_on_a_cluster_deleted_after_its_run_was_accepted_and_refuse_new_runs_naming_it()
    {
        var staging = DefinitionsCluster.Unique("staging");
        using (var created = await cluster.Admin.PostAsJsonAsync("/api/v1/clusters", new { id = staging, kubeconfig = Eks }, DefinitionsCluster.Json))
            Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        object Pipeline() => new
        {
            name = DefinitionsCluster.Unique("staged-deploy"),
            stages = new[]
            {
                new { name = "build", tasks = new object[] { new { name = "compile", kind = "build", container = new { image = "alpine:3.20", command = new[] { "true" } } } } },
                new { name = "deploy", tasks = new object[] { new { name = "rollout", job = "kubectl@mflow.builtin:latest", @params = new { WORKLOAD_NAME = "shop", IMAGE = "registry.example.com/shop:2.0", CLUSTER = staging } } } },
            },
        };

        var runId = await cluster.StartRunAsync(Pipeline());
        var compile = await cluster.WaitForTaskJobAsync(runId, "compile");
        using (var deleted = await cluster.Admin.DeleteAsync($"/api/v1/clusters/{staging}"))
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await cluster.CompleteAsync(compile);

        var run = await cluster.WaitForRunAsync(runId, r => r.State == "Failed", "the run fails at the task whose cluster is gone");
        var rollout = run.Stages[1].Tasks.Single();
        Assert.Equal(("Failed", "ClusterNotRegistered"), (rollout.State, rollout.Reason));
        Assert.Contains($"cluster '{staging}' is no longer registered", rollout.Message);
        var rolloutId = rollout.Id.ToString();
        Assert.DoesNotContain(cluster.Kubernetes.List("jobs", DefinitionsCluster.TaskNamespace), j => j["metadata"]?["labels"]?["mflow.dev/task-id"]?.GetValue<string>() == rolloutId);

        using var refused = await cluster.Operator.PostAsJsonAsync("/api/v1/runs", Pipeline(), DefinitionsCluster.Json);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains($"cluster '{staging}' is not registered", await refused.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("    token" + "File: /var/run/secrets/kubernetes.io/serviceaccount/token", "tokenFile of user 'deployer' is a file path")]
    [InlineData("    client-certificate: /home/me/.kube/client.crt\n    client-key: /home/me/.kube/client.key", "client-certificate of user 'deployer' is a file path")]
    public async Task Should_refuse_a_kubeconfig_that_names_a_file(string user, string expected)
    {
        using var refused = await cluster.Admin.PostAsJsonAsync("/api/v1/clusters", new { id = DefinitionsCluster.Unique("files"), kubeconfig = Kubeconfig(user) }, DefinitionsCluster.Json);

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var problems = (await refused.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!["kubeconfig"]!.AsArray().Select(p => p!.GetValue<string>());
        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }
}
