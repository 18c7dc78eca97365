using System.Net;
using System.Text.Json.Nodes;
using MFlow.Kubernetes.Fake.Tests.Support;

namespace MFlow.Kubernetes.Fake.Tests;

public sealed class When_creating_jobs : ServerTest
{
    [Fact]
    public async Task Should_answer_201_with_the_server_fields_filled()
    {
        var response = await Client.PostAsync(Manifests.JobsPath, Manifests.Job("build-1"));

        Assert.Equal(HttpStatusCode.Created, response.Status);
        var job = response.Json;
        var metadata = job["metadata"]!;
        Assert.True(Guid.TryParse(metadata["uid"]!.GetValue<string>(), out _));
        Assert.True(long.Parse(metadata["resourceVersion"]!.GetValue<string>()) > 0);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", metadata["creationTimestamp"]!.GetValue<string>());
        Assert.Equal(1, metadata["generation"]!.GetValue<int>());
        Assert.Equal("default", metadata["namespace"]!.GetValue<string>());
        var spec = job["spec"]!;
        Assert.Equal(6, spec["backoffLimit"]!.GetValue<int>());
        Assert.Equal(1, spec["completions"]!.GetValue<int>());
        Assert.Equal(1, spec["parallelism"]!.GetValue<int>());
        Assert.Equal(job.Uid(), spec["selector"]!["matchLabels"]!["batch.kubernetes.io/controller-uid"]!.GetValue<string>());
        var templateLabels = spec["template"]!["metadata"]!["labels"]!;
        Assert.Equal(job.Uid(), templateLabels["batch.kubernetes.io/controller-uid"]!.GetValue<string>());
        Assert.Equal(job.Uid(), templateLabels["controller-uid"]!.GetValue<string>());
        Assert.Equal("build-1", templateLabels["batch.kubernetes.io/job-name"]!.GetValue<string>());
        Assert.Equal("build-1", templateLabels["job-name"]!.GetValue<string>());
        Assert.Equal("IfNotPresent", job.Container()["imagePullPolicy"]!.GetValue<string>());
        Assert.Equal("/dev/termination-log", job.Container()["terminationMessagePath"]!.GetValue<string>());
        Assert.Equal(new JsonObject(), job["status"]);
    }

    [Fact]
    public async Task Should_start_the_first_pod_like_the_job_controller()
    {
        var job = (await Client.PostAsync(Manifests.JobsPath, Manifests.Job("build-1"))).Json;

        var running = await Server.WaitForObjectAsync("jobs", "default", "build-1", j => j.StatusCount("active") == 1);

        var pod = Assert.Single(Server.GetJobPods("default", "build-1"));
        Assert.Matches("^build-1-[a-z0-9]{5}$", pod.Name());
        Assert.Equal("Pending", pod.Phase());
        Assert.Equal("build-1", pod["metadata"]!["labels"]!["job-name"]!.GetValue<string>());
        Assert.Equal(job.Uid(), pod["metadata"]!["labels"]!["controller-uid"]!.GetValue<string>());
        var owner = pod["metadata"]!["ownerReferences"]![0]!;
        Assert.Equal(job.Uid(), owner["uid"]!.GetValue<string>());
        Assert.True(owner["controller"]!.GetValue<bool>());
        Assert.Equal("ContainerCreating", pod["status"]!["containerStatuses"]![0]!["state"]!["waiting"]!["reason"]!.GetValue<string>());
        Assert.Equal("busybox:1.36", pod["spec"]!["containers"]![0]!["image"]!.GetValue<string>());
        Assert.NotNull(running["status"]!["startTime"]);
        Assert.Equal(0, running.StatusCount("ready"));
    }

    [Fact]
    public async Task Should_answer_409_AlreadyExists_for_a_duplicate_name()
    {
        await Client.PostAsync(Manifests.JobsPath, Manifests.Job("build-1"));

        var response = await Client.PostAsync(Manifests.JobsPath, Manifests.Job("build-1"));

        Assert.Equal(HttpStatusCode.Conflict, response.Status);
        Assert.Equal("AlreadyExists", response.Json["reason"]!.GetValue<string>());
        Assert.Equal("jobs.batch \"build-1\" already exists", response.Json["message"]!.GetValue<string>());
        Assert.Equal("build-1", response.Json["details"]!["name"]!.GetValue<string>());
        Assert.Equal("batch", response.Json["details"]!["group"]!.GetValue<string>());
        Assert.Equal("jobs", response.Json["details"]!["kind"]!.GetValue<string>());
        Assert.Equal(409, response.Json["code"]!.GetValue<int>());
    }

    [Fact]
    public async Task Should_answer_422_with_the_apiservers_message_for_an_invalid_name()
    {
        var response = await Client.PostAsync(Manifests.JobsPath, Manifests.Job("Bad_Name"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.Status);
        Assert.Equal("Invalid", response.Json["reason"]!.GetValue<string>());
        Assert.Equal(
            "Job.batch \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
            response.Json["message"]!.GetValue<string>());
        Assert.Equal("Job", response.Json["details"]!["kind"]!.GetValue<string>());
        var (reason, field, message) = Assert.Single(response.Causes);
        Assert.Equal(("FieldValueInvalid", "metadata.name"), (reason, field));
        Assert.StartsWith("Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain", message);
    }

    [Fact]
    public async Task Should_refuse_a_name_too_long_for_the_job_name_label()
    {
        var name = new string('a', 64);

        var response = await Client.PostAsync(Manifests.JobsPath, Manifests.Job(name));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.Status);
        var cause = Assert.Single(response.Causes);
        Assert.Equal(("FieldValueInvalid", "spec.template.labels", $"Invalid value: \"{name}\": must be no more than 63 bytes"), cause);
    }

    [Fact]
    public async Task Should_generate_a_name_from_generateName()
    {
        var job = Manifests.Job("unused", j => j["metadata"] = new JsonObject { ["generateName"] = "nightly-" });

        var response = await Client.PostAsync(Manifests.JobsPath, job);

        Assert.Equal(HttpStatusCode.Created, response.Status);
        Assert.Matches("^nightly-[a-z0-9]{5}$", response.Json.Name());
    }

    public static TheoryData<string, Action<JsonObject>, string, string, string> InvalidJobs => new()
    {
        {
            "label key",
            job => job["metadata"]!["labels"]!["bad key!"] = "x",
            "FieldValueInvalid",
            "metadata.labels",
            "Invalid value: \"bad key!\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
        },
        {
            "label value",
            job => job["metadata"]!["labels"]!["app"] = "-bad-",
            "FieldValueInvalid",
            "metadata.labels",
            "Invalid value: \"-bad-\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
        },
        {
            "label prefix",
            job => job["metadata"]!["labels"]!["Example.com/name"] = "x",
            "FieldValueInvalid",
            "metadata.labels",
            "Invalid value: \"Example.com/name\": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
        },
        {
            "annotation key",
            job => job["metadata"]!["annotations"] = new JsonObject { ["a/b/c"] = "x" },
            "FieldValueInvalid",
            "metadata.annotations",
            "Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        },
        {
            "missing image",
            job => job.Container().Remove("image"),
            "FieldValueRequired",
            "spec.template.spec.containers[0].image",
            "Required value"
        },
        {
            "no containers",
            job => job.PodSpec()["containers"] = new JsonArray(),
            "FieldValueRequired",
            "spec.template.spec.containers",
            "Required value"
        },
        {
            "restartPolicy Always",
            job => job.PodSpec()["restartPolicy"] = "Always",
            "FieldValueNotSupported",
            "spec.template.spec.restartPolicy",
            "Unsupported value: \"Always\": supported values: \"OnFailure\", \"Never\""
        },
        {
            "restartPolicy omitted (defaults to Always)",
            job => job.PodSpec().Remove("restartPolicy"),
            "FieldValueNotSupported",
            "spec.template.spec.restartPolicy",
            "Unsupported value: \"Always\": supported values: \"OnFailure\", \"Never\""
        },
        {
            "container name",
            job => job.Container()["name"] = "Main_1",
            "FieldValueInvalid",
            "spec.template.spec.containers[0].name",
            "Invalid value: \"Main_1\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
        },
        {
            "container name shared with an init container",
            job => job.PodSpec()["initContainers"] = new JsonArray(new JsonObject { ["name"] = "main", ["image"] = "alpine:3" }),
            "FieldValueDuplicate",
            "spec.template.spec.initContainers[0].name",
            "Duplicate value: \"main\""
        },
        {
            "mount of an undeclared volume",
            job => job.Container()["volumeMounts"] = new JsonArray(new JsonObject { ["name"] = "workspace", ["mountPath"] = "/workspace" }),
            "FieldValueNotFound",
            "spec.template.spec.containers[0].volumeMounts[0].name",
            "Not found: \"workspace\""
        },
        {
            "mount without a path",
            job =>
            {
                job.PodSpec()["volumes"] = new JsonArray(new JsonObject { ["name"] = "workspace", ["emptyDir"] = new JsonObject() });
                job.Container()["volumeMounts"] = new JsonArray(new JsonObject { ["name"] = "workspace" });
            },
            "FieldValueRequired",
            "spec.template.spec.containers[0].volumeMounts[0].mountPath",
            "Required value"
        },
        {
            "secret volume without secretName",
            job => job.PodSpec()["volumes"] = new JsonArray(new JsonObject { ["name"] = "creds", ["secret"] = new JsonObject() }),
            "FieldValueRequired",
            "spec.template.spec.volumes[0].secret.secretName",
            "Required value"
        },
        {
            "volume without a source",
            job => job.PodSpec()["volumes"] = new JsonArray(new JsonObject { ["name"] = "creds" }),
            "FieldValueRequired",
            "spec.template.spec.volumes[0]",
            "Required value: must specify a volume type"
        },
        {
            "env var name",
            job => job.Container()["env"] = new JsonArray(new JsonObject { ["name"] = "1BAD", ["value"] = "x" }),
            "FieldValueInvalid",
            "spec.template.spec.containers[0].env[0].name",
            "Invalid value: \"1BAD\": a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')"
        },
        {
            "requests above limits",
            job => job.Container()["resources"] = new JsonObject
            {
                ["limits"] = new JsonObject { ["cpu"] = "500m", ["memory"] = "1Gi" },
                ["requests"] = new JsonObject { ["cpu"] = "0.75", ["memory"] = "512Mi" },
            },
            "FieldValueInvalid",
            "spec.template.spec.containers[0].resources.requests[cpu]",
            "Invalid value: \"0.75\": must be less than or equal to cpu limit of 500m"
        },
        {
            "negative backoffLimit",
            job => job["spec"]!["backoffLimit"] = -1,
            "FieldValueInvalid",
            "spec.backoffLimit",
            "Invalid value: -1: must be greater than or equal to 0"
        },
        {
            "zero activeDeadlineSeconds",
            job => job["spec"]!["activeDeadlineSeconds"] = 0,
            "FieldValueInvalid",
            "spec.activeDeadlineSeconds",
            "Invalid value: 0: must be greater than 0"
        },
        {
            "negative ttlSecondsAfterFinished",
            job => job["spec"]!["ttlSecondsAfterFinished"] = -5,
            "FieldValueInvalid",
            "spec.ttlSecondsAfterFinished",
            "Invalid value: -5: must be greater than or equal to 0"
        },
        {
            "nodeSelector value",
            job => job.PodSpec()["nodeSelector"] = new JsonObject { ["pool"] = "a b" },
            "FieldValueInvalid",
            "spec.template.spec.nodeSelector",
            "Invalid value: \"a b\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
        },
        {
            "toleration operator",
            job => job.PodSpec()["tolerations"] = new JsonArray(new JsonObject { ["key"] = "dedicated", ["operator"] = "Near" }),
            "FieldValueNotSupported",
            "spec.template.spec.tolerations[0].operator",
            "Unsupported value: \"Near\": supported values: \"Equal\", \"Exists\""
        },
        {
            "toleration without key or Exists",
            job => job.PodSpec()["tolerations"] = new JsonArray(new JsonObject { ["operator"] = "Equal", ["value"] = "ci" }),
            "FieldValueInvalid",
            "spec.template.spec.tolerations[0].operator",
            "Invalid value: \"Equal\": operator must be Exists when `key` is empty, which means \"match all values and all keys\""
        },
        {
            "toleration effect",
            job => job.PodSpec()["tolerations"] = new JsonArray(new JsonObject { ["key"] = "dedicated", ["operator"] = "Exists", ["effect"] = "NoRun" }),
            "FieldValueNotSupported",
            "spec.template.spec.tolerations[0].effect",
            "Unsupported value: \"NoRun\": supported values: \"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\""
        },
        {
            "tolerationSeconds without NoExecute",
            job => job.PodSpec()["tolerations"] = new JsonArray(new JsonObject { ["key"] = "dedicated", ["operator"] = "Exists", ["effect"] = "NoSchedule", ["tolerationSeconds"] = 5 }),
            "FieldValueInvalid",
            "spec.template.spec.tolerations[0].effect",
            "Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set"
        },
        {
            "image pull secret without a name",
            job => job.PodSpec()["imagePullSecrets"] = new JsonArray(new JsonObject()),
            "FieldValueRequired",
            "spec.template.spec.imagePullSecrets[0].name",
            "Required value"
        },
        {
            "podFailurePolicy with restartPolicy OnFailure",
            job =>
            {
                job.PodSpec()["restartPolicy"] = "OnFailure";
                job["spec"]!["podFailurePolicy"] = JsonNode.Parse("""{"rules":[{"action":"Ignore","onPodConditions":[{"type":"DisruptionTarget"}]}]}""");
            },
            "FieldValueNotSupported",
            "spec.template.spec.restartPolicy",
            "Unsupported value: \"OnFailure\": supported values: \"Never\""
        },
        {
            "podFailurePolicy exit code 0 with In",
            job => job["spec"]!["podFailurePolicy"] = JsonNode.Parse("""{"rules":[{"action":"FailJob","onExitCodes":{"operator":"In","values":[0,2]}}]}"""),
            "FieldValueInvalid",
            "spec.podFailurePolicy.rules[0].onExitCodes.values[0]",
            "Invalid value: 0: must not be 0 for the In operator"
        },
        {
            "podFailurePolicy exit codes out of order",
            job => job["spec"]!["podFailurePolicy"] = JsonNode.Parse("""{"rules":[{"action":"FailJob","onExitCodes":{"operator":"In","values":[3,2]}}]}"""),
            "FieldValueInvalid",
            "spec.podFailurePolicy.rules[0].onExitCodes.values",
            "Invalid value: []int32{3, 2}: must be ordered"
        },
        {
            "podFailurePolicy exit codes of an unknown container",
            job => job["spec"]!["podFailurePolicy"] = JsonNode.Parse("""{"rules":[{"action":"FailJob","onExitCodes":{"containerName":"nobody","operator":"In","values":[2]}}]}"""),
            "FieldValueInvalid",
            "spec.podFailurePolicy.rules[0].onExitCodes.containerName",
            "Invalid value: \"nobody\": must be one of the container or initContainer names in the pod template"
        },
        {
            "podFailurePolicy rule without a requirement",
            job => job["spec"]!["podFailurePolicy"] = JsonNode.Parse("""{"rules":[{"action":"Ignore"}]}"""),
            "FieldValueInvalid",
            "spec.podFailurePolicy.rules[0]",
            "Invalid value: specifying one of OnExitCodes and OnPodConditions is required"
        },
        {
            "podFailurePolicy unknown action",
            job => job["spec"]!["podFailurePolicy"] = JsonNode.Parse("""{"rules":[{"action":"Retry","onPodConditions":[{"type":"DisruptionTarget"}]}]}"""),
            "FieldValueNotSupported",
            "spec.podFailurePolicy.rules[0].action",
            "Unsupported value: \"Retry\": supported values: \"Count\", \"FailIndex\", \"FailJob\", \"Ignore\""
        },
        {
            "podFailurePolicy with 256 exit codes",
            job => job["spec"]!["podFailurePolicy"] = new JsonObject { ["rules"] = new JsonArray(new JsonObject { ["action"] = "FailJob", ["onExitCodes"] = new JsonObject { ["operator"] = "NotIn", ["values"] = new JsonArray(Enumerable.Range(0, 256).Select(i => (JsonNode)i).ToArray()) } }) },
            "FieldValueTooMany",
            "spec.podFailurePolicy.rules[0].onExitCodes.values",
            "Too many: 256: must have at most 255 items"
        },
        {
            "priority class name",
            job => job.PodSpec()["priorityClassName"] = "High",
            "FieldValueInvalid",
            "spec.template.spec.priorityClassName",
            "Invalid value: \"High\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
        },
        {
            "node affinity without terms",
            job => job.PodSpec()["affinity"] = JsonNode.Parse("""{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[]}}}"""),
            "FieldValueRequired",
            "spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms",
            "Required value: must have at least one node selector term"
        },
        {
            "pod anti-affinity without a topology key",
            job => job.PodSpec()["affinity"] = JsonNode.Parse("""{"podAntiAffinity":{"preferredDuringSchedulingIgnoredDuringExecution":[{"weight":100,"podAffinityTerm":{"labelSelector":{"matchLabels":{"a":"b"}}}}]}}"""),
            "FieldValueRequired",
            "spec.template.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey",
            "Required value: can not be empty"
        },
        {
            "affinity weight",
            job => job.PodSpec()["affinity"] = JsonNode.Parse("""{"nodeAffinity":{"preferredDuringSchedulingIgnoredDuringExecution":[{"weight":0,"preference":{"matchExpressions":[{"key":"zone","operator":"Exists"}]}}]}}"""),
            "FieldValueInvalid",
            "spec.template.spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight",
            "Invalid value: 0: must be in the range 1-100"
        },
    };

    [Theory]
    [MemberData(nameof(InvalidJobs))]
    public async Task Should_answer_422_with_a_cause_per_field_error(string why, Action<JsonObject> breakIt, string reason, string field, string message)
    {
        var response = await Client.PostAsync(Manifests.JobsPath, Manifests.Job("build-1", breakIt));

        Assert.True(response.Status == HttpStatusCode.UnprocessableEntity, $"{why}: {response.Text}");
        Assert.Contains((reason, field, message), response.Causes);
        Assert.Equal($"Job.batch \"build-1\" is invalid: {field}: {message}", response.Json["message"]!.GetValue<string>());
        Assert.Empty(Server.List("jobs"));
    }

    [Fact]
    public async Task Should_join_several_errors_in_brackets()
    {
        var job = Manifests.Job("build-1", j =>
        {
            j.Container().Remove("image");
            j.PodSpec()["restartPolicy"] = "Always";
        });

        var response = await Client.PostAsync(Manifests.JobsPath, job);

        Assert.Equal(
            "Job.batch \"build-1\" is invalid: [spec.template.spec.containers[0].image: Required value, spec.template.spec.restartPolicy: Unsupported value: \"Always\": supported values: \"OnFailure\", \"Never\"]",
            response.Json["message"]!.GetValue<string>());
        Assert.Equal(2, response.Causes.Count);
    }

    [Theory]
    [InlineData("100m")]
    [InlineData("128Mi")]
    [InlineData("1Gi")]
    [InlineData("0.5")]
    [InlineData("2")]
    [InlineData("1e3")]
    public async Task Should_accept_quantities_kubernetes_accepts(string quantity)
    {
        var job = Manifests.Job("build-1", j => j.Container()["resources"] = new JsonObject { ["requests"] = new JsonObject { ["cpu"] = quantity } });

        var response = await Client.PostAsync(Manifests.JobsPath, job);

        Assert.Equal(HttpStatusCode.Created, response.Status);
    }

    [Fact]
    public async Task Should_answer_400_for_an_unparseable_quantity_as_the_decoder_does()
    {
        var job = Manifests.Job("build-1", j => j.Container()["resources"] = new JsonObject { ["limits"] = new JsonObject { ["memory"] = "lots" } });

        var response = await Client.PostAsync(Manifests.JobsPath, job);

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("BadRequest", response.Json["reason"]!.GetValue<string>());
        Assert.Equal(
            "Job in version \"v1\" cannot be handled as a Job: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
            response.Json["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_answer_400_for_a_field_of_the_wrong_type()
    {
        var job = Manifests.Job("build-1", j => j["spec"]!["backoffLimit"] = "six");

        var response = await Client.PostAsync(Manifests.JobsPath, job);

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Contains("cannot unmarshal string into Go struct field JobSpec.spec.backoffLimit of type int32", response.Json["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_refuse_a_namespace_that_differs_from_the_path()
    {
        var job = Manifests.Job("build-1", j => j["metadata"]!["namespace"] = "other");

        var response = await Client.PostAsync(Manifests.JobsPath, job);

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("the namespace of the provided object does not match the namespace sent on the request", response.Json["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_not_store_anything_on_a_dry_run()
    {
        var response = await Client.PostAsync(Manifests.JobsPath + "?dryRun=All", Manifests.Job("build-1"));

        Assert.Equal(HttpStatusCode.Created, response.Status);
        Assert.Null(Server.GetObject("jobs", "default", "build-1"));
    }
}
