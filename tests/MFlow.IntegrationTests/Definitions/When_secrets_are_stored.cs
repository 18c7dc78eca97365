using System.Net.Http.Json;
using System.Text;
using MFlow.IntegrationTests.Support;

namespace MFlow.IntegrationTests.Definitions;

// Sensitive defaults, kubeconfigs and the key ring that protects them, as PostgreSQL holds them.
[Collection(DefinitionsCollection.Name)]
public sealed class When_secrets_are_stored(DefinitionsCluster cluster)
{
    [Fact]
    public async Task Should_keep_a_sensitive_default_encrypted_at_rest_and_hand_it_to_the_task()
    {
        var marker = "sensitive-default-" + DefinitionsCluster.RandomText(16);
        var rollbackMarker = "sensitive-rollback-" + DefinitionsCluster.RandomText(16);
        var name = DefinitionsCluster.Unique("sealed");
        await cluster.CreateJobAsync($"""
            name: {name}
            namespace: team
            domain: ci
            version: v1
            kind: deploy
            params:
              - {"{"} name: API_TOKEN, sensitive: true, default: {marker} {"}"}
              - {"{"} name: IMAGE {"}"}
            rollback: {"{"} params: {"{"} API_TOKEN: {rollbackMarker} {"}"} {"}"}
            template:
              container: {"{"} image: alpine:3.20, command: [sh, -c, 'test -n "$API_TOKEN"'] {"}"}
            """);

        // Nowhere in the rows the scheduler wrote: definitions, their changes, the key ring.
        var stored = await DumpAsync("definitions", "definition_changes", "data_protection_keys");
        Assert.DoesNotContain(marker, stored);
        Assert.DoesNotContain(rollbackMarker, stored);
        // The API shows it masked.
        var shown = await cluster.Viewer.GetStringAsync($"/api/v1/jobs/{name}@team.ci:v1");
        Assert.DoesNotContain(marker, shown);
        Assert.Contains("\"default\":\"******\"", shown);

        // A run still gets the value: decrypted at submission, in the task's Secret only.
        var runId = await cluster.StartRunAsync(new
        {
            name = DefinitionsCluster.Unique("uses-sealed"),
            stages = new[] { new { name = "ship", tasks = new[] { new { name = "ship", job = $"{name}@team.ci:v1", @params = new { IMAGE = "shop:1" } } } } },
        });
        var job = await cluster.WaitForTaskJobAsync(runId, "ship");
        Assert.Equal(marker, cluster.SecretValue(job, "param-api-token"));
        Assert.DoesNotContain(marker, await DumpAsync("runs", "outbox"));
    }

    [Fact]
    public async Task Should_keep_the_key_ring_encrypted_with_the_key_encryption_key()
    {
        // Registering a cluster encrypts its kubeconfig, so the ring has a key.
        var id = DefinitionsCluster.Unique("kek");
        var token = "kek-check-" + DefinitionsCluster.RandomText(16);
        using (var created = await cluster.Admin.PostAsJsonAsync("/api/v1/clusters", new
        {
            id,
            kubeconfig = "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: \"https://10.0.0.1:6443\"}\n" +
                $"users:\n- name: u\n  user: {{token: {token}}}\ncontexts:\n- name: x\n  context: {{cluster: c, user: u}}\ncurrent-context: x\n",
        }))
        {
            Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        }

        var ring = await DumpAsync("data_protection_keys");
        Assert.Contains("encryptedKey", ring);
        Assert.DoesNotContain("<masterKey", ring);
        Assert.DoesNotContain(DefinitionsCluster.KeyEncryptionKey, ring);
        Assert.DoesNotContain(token, await DumpAsync("clusters"));
    }

    // Every row of the tables as text, the way a database dump would show it.
    async Task<string> DumpAsync(params string[] tables)
    {
        var text = new StringBuilder();
        await using var connection = await cluster.Database.OpenConnectionAsync();
        foreach (var table in tables)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT t::text FROM {table} t";
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
                text.AppendLine(reader.GetString(0));
        }

        return text.ToString();
    }
}
