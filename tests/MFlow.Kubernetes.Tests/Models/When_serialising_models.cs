using System.Text.Json;
using MFlow.Kubernetes.Models;

namespace MFlow.Kubernetes.Tests.Models;

public sealed class When_serialising_models
{
    private static readonly KubernetesJsonContext Json = KubernetesJsonContext.Default;

    [Fact]
    public void Should_set_api_version_and_kind_on_construction()
    {
        Assert.Equal(("batch/v1", "Job"), (new Job().ApiVersion, new Job().Kind));
        Assert.Equal(("v1", "Pod"), (new Pod().ApiVersion, new Pod().Kind));
        Assert.Equal(("v1", "Secret"), (new Secret().ApiVersion, new Secret().Kind));
        Assert.Equal(("v1", "ConfigMap"), (new ConfigMap().ApiVersion, new ConfigMap().Kind));
        Assert.Equal(("batch/v1", "JobList"), (new JobList().ApiVersion, new JobList().Kind));
    }

    [Fact]
    public void Should_write_camel_case_and_omit_nulls()
    {
        var job = new Job(
            new ObjectMeta { Name = "build-1", Labels = new() { ["mflow.io/run"] = "r1" } },
            new JobSpec
            {
                BackoffLimit = 0,
                ActiveDeadlineSeconds = 3600,
                Template = new PodTemplateSpec
                {
                    Spec = new PodSpec
                    {
                        RestartPolicy = RestartPolicies.Never,
                        Containers = [new Container { Name = "main", Image = "busybox", Env = [new EnvVar("A", "1")] }],
                        Volumes = [new Volume { Name = "work", EmptyDir = new EmptyDirVolumeSource() }],
                    },
                },
            });

        var text = JsonSerializer.Serialize(job, Json.Job);

        Assert.Equal(
            """{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"build-1","labels":{"mflow.io/run":"r1"}},"spec":{"backoffLimit":0,"activeDeadlineSeconds":3600,"template":{"spec":{"containers":[{"name":"main","image":"busybox","env":[{"name":"A","value":"1"}]}],"volumes":[{"name":"work","emptyDir":{}}],"restartPolicy":"Never"}}}}""",
            text);
    }

    [Fact]
    public void Should_read_a_server_job_ignoring_fields_it_does_not_model()
    {
        const string serverJob = """
            {
              "kind": "Job", "apiVersion": "batch/v1",
              "metadata": {
                "name": "build-1", "namespace": "ns", "uid": "0b6c", "resourceVersion": "1234", "generation": 1,
                "creationTimestamp": "2025-03-01T10:00:00Z",
                "managedFields": [{"manager": "kube-controller-manager", "fieldsV1": {"f:status": {}}}],
                "ownerReferences": [{"apiVersion": "v1", "kind": "ConfigMap", "name": "o", "uid": "u", "controller": true}]
              },
              "spec": {
                "parallelism": 1, "completions": 1, "backoffLimit": 6, "completionMode": "NonIndexed",
                "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": "0b6c"}},
                "template": {"metadata": {"labels": {"job-name": "build-1"}}, "spec": {"containers": [{"name": "main", "image": "busybox", "resources": {"limits": {"cpu": "500m", "memory": "1Gi"}}}], "restartPolicy": "Never", "dnsPolicy": "ClusterFirst"}},
                "podFailurePolicy": {"rules": [{"action": "FailJob", "onExitCodes": {"containerName": "main", "operator": "In", "values": [42]}}]}
              },
              "status": {
                "startTime": "2025-03-01T10:00:01Z", "completionTime": "2025-03-01T10:01:00.123456Z", "succeeded": 1, "ready": 0,
                "uncountedTerminatedPods": {},
                "conditions": [{"type": "Complete", "status": "True", "lastProbeTime": "2025-03-01T10:01:00Z", "lastTransitionTime": "2025-03-01T10:01:00Z"}]
              }
            }
            """;

        var job = JsonSerializer.Deserialize(serverJob, Json.Job)!;

        Assert.Equal("1234", job.Metadata.ResourceVersion);
        Assert.Equal(new DateTimeOffset(2025, 3, 1, 10, 0, 0, TimeSpan.Zero), job.Metadata.CreationTimestamp);
        Assert.True(job.Metadata.OwnerReferences![0].Controller);
        Assert.Equal("500m", job.Spec!.Template.Spec.Containers[0].Resources!.Limits!["cpu"]);
        Assert.Equal([42], job.Spec.PodFailurePolicy!.Rules[0].OnExitCodes!.Values);
        Assert.Equal(1, job.Status!.Succeeded);
        Assert.Equal("Complete", job.Status.Conditions![0].Type);
        Assert.Equal(123, job.Status.CompletionTime!.Value.Millisecond);
    }

    [Fact]
    public void Should_write_timestamps_as_rfc3339_utc()
    {
        var meta = new Pod { Metadata = new ObjectMeta { Name = "p", CreationTimestamp = new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.FromHours(2)) } };

        Assert.Contains("\"creationTimestamp\":\"2025-03-01T10:00:00Z\"", JsonSerializer.Serialize(meta, Json.Pod), StringComparison.Ordinal);
    }

    [Fact]
    public void Should_carry_secret_data_as_base64()
    {
        var secret = new Secret { Metadata = new() { Name = "s" }, Type = "Opaque", Data = new() { ["key"] = "hi"u8.ToArray() } };

        var text = JsonSerializer.Serialize(secret, Json.Secret);
        var back = JsonSerializer.Deserialize(text, Json.Secret)!;

        Assert.Contains("\"data\":{\"key\":\"aGk=\"}", text, StringComparison.Ordinal);
        Assert.Equal("hi"u8.ToArray(), back.Data!["key"]);
        Assert.Equal("Secret s", secret.ToString());
    }

    [Fact]
    public void Should_read_container_states_of_a_pod()
    {
        const string pod = """
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"status":{"phase":"Failed","containerStatuses":[
              {"name":"main","ready":false,"restartCount":0,"image":"busybox","imageID":"docker.io/busybox@sha256:1","state":{"terminated":{"exitCode":2,"reason":"Error","message":"boom","startedAt":"2025-03-01T10:00:00Z","finishedAt":"2025-03-01T10:00:05Z"}},"lastState":{}}],
              "initContainerStatuses":[{"name":"clone","state":{"waiting":{"reason":"ImagePullBackOff","message":"pull failed"}}}]}}
            """;

        var parsed = JsonSerializer.Deserialize(pod, Json.Pod)!;

        var terminated = parsed.Status!.ContainerStatuses![0].State!.Terminated!;
        Assert.Equal((2, "Error", "boom"), (terminated.ExitCode, terminated.Reason, terminated.Message));
        Assert.Equal("ImagePullBackOff", parsed.Status.InitContainerStatuses![0].State!.Waiting!.Reason);
    }

    [Fact]
    public void Should_read_a_status_with_its_causes()
    {
        const string status = """{"kind":"Status","apiVersion":"v1","status":"Failure","message":"m","reason":"Invalid","code":422,"details":{"name":"x","kind":"jobs","causes":[{"reason":"FieldValueInvalid","message":"bad","field":"metadata.name"}],"retryAfterSeconds":1}}""";

        var parsed = JsonSerializer.Deserialize(status, Json.Status)!;

        Assert.Equal(("Failure", 422, "metadata.name: bad"), (parsed.Outcome, parsed.Code, parsed.Details!.Causes![0].ToString()));
    }

    [Fact]
    public void Should_write_watch_event_types_in_upper_case()
    {
        var text = JsonSerializer.Serialize(new WatchEvent<ConfigMap>(WatchEventType.Bookmark, new ConfigMap()), Json.WatchEventConfigMap);

        Assert.StartsWith("{\"type\":\"BOOKMARK\",\"object\":{", text, StringComparison.Ordinal);
    }
}
