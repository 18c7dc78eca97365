using System.Text.Json.Nodes;

namespace MFlow.Kubernetes.Fake.Tests.Support;

/// <summary>Minimal valid manifests for the tests to start from and break on purpose.</summary>
internal static class Manifests
{
    public const string JobsPath = "/apis/batch/v1/namespaces/default/jobs";
    public const string PodsPath = "/api/v1/namespaces/default/pods";
    public const string SecretsPath = "/api/v1/namespaces/default/secrets";
    public const string ConfigMapsPath = "/api/v1/namespaces/default/configmaps";

    public static JsonObject Job(string name, Action<JsonObject>? customize = null)
    {
        var job = new JsonObject
        {
            ["apiVersion"] = "batch/v1",
            ["kind"] = "Job",
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["labels"] = new JsonObject { ["app"] = "mflow", ["mflow.io/run"] = "run-1" },
            },
            ["spec"] = new JsonObject
            {
                ["template"] = new JsonObject
                {
                    ["spec"] = new JsonObject
                    {
                        ["restartPolicy"] = "Never",
                        ["containers"] = new JsonArray(new JsonObject
                        {
                            ["name"] = "main",
                            ["image"] = "busybox:1.36",
                            ["command"] = new JsonArray("sh", "-c", "echo hello"),
                        }),
                    },
                },
            },
        };
        customize?.Invoke(job);
        return job;
    }

    public static JsonObject PodSpec(this JsonObject job) => job["spec"]!["template"]!["spec"]!.AsObject();

    public static JsonObject Container(this JsonObject job, int index = 0) => job.PodSpec()["containers"]![index]!.AsObject();

    public static JsonObject Secret(string name, JsonObject? data = null, JsonObject? owner = null)
    {
        var secret = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Secret",
            ["metadata"] = new JsonObject { ["name"] = name },
            ["data"] = data ?? new JsonObject { ["token"] = Convert.ToBase64String("s3cret"u8.ToArray()) },
        };
        if (owner is not null)
        {
            secret["metadata"]!["ownerReferences"] = new JsonArray(OwnerReference(owner));
        }

        return secret;
    }

    public static JsonObject ConfigMap(string name, string key) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "ConfigMap",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["data"] = new JsonObject { [key] = "value" },
    };

    public static JsonObject OwnerReference(JsonObject owner) => new()
    {
        ["apiVersion"] = owner["apiVersion"]!.GetValue<string>(),
        ["kind"] = owner["kind"]!.GetValue<string>(),
        ["name"] = owner["metadata"]!["name"]!.GetValue<string>(),
        ["uid"] = owner["metadata"]!["uid"]!.GetValue<string>(),
    };

    public static string Name(this JsonObject obj) => obj["metadata"]!["name"]!.GetValue<string>();

    public static string Uid(this JsonObject obj) => obj["metadata"]!["uid"]!.GetValue<string>();

    public static string ResourceVersion(this JsonObject obj) => obj["metadata"]!["resourceVersion"]!.GetValue<string>();

    public static string? Phase(this JsonObject pod) => pod["status"]?["phase"]?.GetValue<string>();

    /// <summary>The types of the Job's conditions with status True, in order.</summary>
    public static IReadOnlyList<string> ConditionTypes(this JsonObject job) =>
        (job["status"]?["conditions"] as JsonArray ?? [])
            .Where(condition => condition!["status"]!.GetValue<string>() == "True")
            .Select(condition => condition!["type"]!.GetValue<string>())
            .ToList();

    public static int? StatusCount(this JsonObject job, string field) => job["status"]?[field]?.GetValue<int>();

    public static bool IsFinished(this JsonObject job) => job.ConditionTypes().Any(type => type is "Complete" or "Failed");
}
