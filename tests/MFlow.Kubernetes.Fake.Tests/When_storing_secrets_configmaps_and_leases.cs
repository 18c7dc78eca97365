using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using MFlow.Kubernetes.Fake.Tests.Support;

namespace MFlow.Kubernetes.Fake.Tests;

public sealed class When_storing_secrets_configmaps_and_leases : ServerTest
{
    [Fact]
    public async Task Should_fold_stringData_into_base64_data()
    {
        var secret = Manifests.Secret("creds", new JsonObject { ["a"] = "YQ==" });
        secret["stringData"] = new JsonObject { ["password"] = "hunter2" };

        var response = await Client.PostAsync(Manifests.SecretsPath, secret);

        Assert.Equal(HttpStatusCode.Created, response.Status);
        Assert.Equal(Convert.ToBase64String("hunter2"u8.ToArray()), response.Json["data"]!["password"]!.GetValue<string>());
        Assert.Equal("Opaque", response.Json["type"]!.GetValue<string>());
        Assert.Null(response.Json["stringData"]);
    }

    [Fact]
    public async Task Should_answer_422_for_an_invalid_data_key_and_400_for_bad_base64()
    {
        var badKey = await Client.PostAsync(Manifests.SecretsPath, Manifests.Secret("creds", new JsonObject { ["bad key"] = "YQ==" }));
        var badValue = await Client.PostAsync(Manifests.SecretsPath, Manifests.Secret("creds", new JsonObject { ["key"] = "not base64!" }));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, badKey.Status);
        Assert.Equal(
            ("FieldValueInvalid", "data[bad key]", "Invalid value: \"bad key\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"),
            Assert.Single(badKey.Causes));
        Assert.StartsWith("Secret \"creds\" is invalid: data[bad key]", badKey.Json["message"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, badValue.Status);
        Assert.Equal("Secret in version \"v1\" cannot be handled as a Secret: illegal base64 data at input byte 3", badValue.Json["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_refuse_a_secret_over_one_mebibyte()
    {
        var big = Convert.ToBase64String(new byte[(1024 * 1024) + 1]);

        var response = await Client.PostAsync(Manifests.SecretsPath, Manifests.Secret("big", new JsonObject { ["blob"] = big }));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.Status);
        Assert.Equal(("FieldValueTooLong", "data", "Too long: may not be more than 1048576 bytes"), Assert.Single(response.Causes));
    }

    [Fact]
    public async Task Should_create_get_patch_list_and_delete_a_configmap()
    {
        var configMap = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ConfigMap",
            ["metadata"] = new JsonObject { ["name"] = "pipeline", ["labels"] = new JsonObject { ["app"] = "mflow" } },
            ["data"] = new JsonObject { ["pipeline.yaml"] = "stages: []" },
        };

        var created = await Client.PostAsync(Manifests.ConfigMapsPath, configMap);
        var patched = await Client.PatchAsync($"{Manifests.ConfigMapsPath}/pipeline", new JsonObject { ["data"] = new JsonObject { ["extra"] = "1" } });
        var fetched = await Client.GetAsync($"{Manifests.ConfigMapsPath}/pipeline");
        var listed = await Client.GetAsync($"{Manifests.ConfigMapsPath}?labelSelector=app%3Dmflow");
        var deleted = await Client.DeleteAsync($"{Manifests.ConfigMapsPath}/pipeline");
        var gone = await Client.GetAsync($"{Manifests.ConfigMapsPath}/pipeline");

        Assert.Equal(HttpStatusCode.Created, created.Status);
        Assert.Equal("1", patched.Json["data"]!["extra"]!.GetValue<string>());
        Assert.Equal("stages: []", fetched.Json["data"]!["pipeline.yaml"]!.GetValue<string>());
        Assert.Single(listed.Json["items"]!.AsArray());
        Assert.Equal("Success", deleted.Json["status"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotFound, gone.Status);
        Assert.Equal("configmaps \"pipeline\" not found", gone.Json["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_refuse_changes_to_immutable_data()
    {
        var secret = Manifests.Secret("frozen");
        secret["immutable"] = true;
        await Client.PostAsync(Manifests.SecretsPath, secret);

        var response = await Client.PatchAsync($"{Manifests.SecretsPath}/frozen", new JsonObject { ["data"] = new JsonObject { ["token"] = "eA==" } });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.Status);
        Assert.Equal(("FieldValueForbidden", "data", "Forbidden: field is immutable when `immutable` is set"), Assert.Single(response.Causes));
    }

    [Fact]
    public async Task Should_serve_leases_for_leader_election()
    {
        const string leases = "/apis/coordination.k8s.io/v1/namespaces/mflow/leases";
        var lease = new JsonObject
        {
            ["apiVersion"] = "coordination.k8s.io/v1",
            ["kind"] = "Lease",
            ["metadata"] = new JsonObject { ["name"] = "scheduler" },
            ["spec"] = new JsonObject { ["holderIdentity"] = "pod-a", ["leaseDurationSeconds"] = 15 },
        };

        var created = (await Client.PostAsync(leases, lease)).Json;
        var taken = created.DeepClone().AsObject();
        taken["spec"]!["holderIdentity"] = "pod-b";
        var update = await Client.PutAsync($"{leases}/scheduler", taken);
        var lost = await Client.PutAsync($"{leases}/scheduler", created);

        Assert.Equal(HttpStatusCode.OK, update.Status);
        Assert.Equal("pod-b", update.Json["spec"]!["holderIdentity"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Conflict, lost.Status);
        Assert.Equal("Operation cannot be fulfilled on leases.coordination.k8s.io \"scheduler\": the object has been modified; please apply your changes to the latest version and try again", lost.Json["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_store_what_a_client_reads_back_byte_for_byte()
    {
        var payload = Convert.ToBase64String(Encoding.UTF8.GetBytes("{\"auths\":{}}"));
        await Client.PostAsync(Manifests.SecretsPath, Manifests.Secret("docker", new JsonObject { [".dockerconfigjson"] = payload }));

        var stored = Server.GetObject("secrets", "default", "docker")!;

        Assert.Equal(payload, stored["data"]![".dockerconfigjson"]!.GetValue<string>());
    }
}
