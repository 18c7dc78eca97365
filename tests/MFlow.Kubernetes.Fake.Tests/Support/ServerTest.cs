using System.Net;
using System.Text.Json.Nodes;

namespace MFlow.Kubernetes.Fake.Tests.Support;

/// <summary>A fresh fake per test, so no test sees another's objects, events or requests.</summary>
public abstract class ServerTest : IAsyncLifetime
{
    private FakeKubernetesServer? _server;
    private ApiClient? _client;

    protected FakeKubernetesServer Server => _server ?? throw new InvalidOperationException("Not started.");

    internal ApiClient Client => _client ?? throw new InvalidOperationException("Not started.");

    /// <summary>Options for this test class's server.</summary>
    protected virtual FakeKubernetesOptions Options => new();

    /// <summary>Creates a Job (<see cref="Manifests.Job"/>) in the default namespace and returns it as the server stored it.</summary>
    private protected async Task<JsonObject> CreateJobAsync(string name, Action<JsonObject>? customize = null)
    {
        var response = await Client.PostAsync(Manifests.JobsPath, Manifests.Job(name, customize));
        Assert.Equal(HttpStatusCode.Created, response.Status);
        return response.Json;
    }

    public virtual async Task InitializeAsync()
    {
        _server = await FakeKubernetesServer.StartAsync(Options);
        _client = ApiClient.For(_server);
    }

    public async Task DisposeAsync()
    {
        _client?.Dispose();
        if (_server is not null)
        {
            Assert.Empty(_server.ControllerErrors);
            await _server.DisposeAsync();
        }
    }
}
