using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using MFlow.Testing;

namespace MFlow.Standalone.Tests.Hostile;

/// <summary>
/// <c>MFlow.Standalone serve</c> as a separate process (every service in one: the scheduler's API,
/// the aggregator, the workers), with an admin, an operator and a viewer key, a job and a pipeline
/// in draft, and a run whose task holds still with its update token written to a file, so that the
/// outputs route can be attacked with a valid token. Samples the process's resident memory.
/// </summary>
public sealed class HostileServer() : StandaloneServer(
    "standalone-serve", "hostile-corpus-admin-key-0123456789", new Dictionary<string, string?> { ["Logging__LogLevel__Default"] = "Warning" })
{
    readonly CancellationTokenSource _stopSampling = new();
    Task? _sampling;

    /// <summary>A client per role (admin, operator, viewer, none).</summary>
    public Dictionary<string, HttpClient> Clients { get; } = [];

    /// <summary>The held task's update token.</summary>
    public string TaskToken { get; private set; } = "";

    /// <summary>What the corpus's placeholders stand for.</summary>
    public Dictionary<string, string> Placeholders { get; } = [];

    /// <summary>Resident memory (VmRSS) once set up and idle, in bytes.</summary>
    public long IdleRssBytes { get; private set; }

    /// <summary>The highest resident memory sampled since <see cref="IdleRssBytes"/> was measured, in bytes.</summary>
    public long PeakRssBytes { get; private set; }

    /// <inheritdoc />
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();

        Clients["none"] = Client(null);
        Clients["admin"] = Client(AdminKey);
        Clients["operator"] = Client(await CreateKeyAsync("corpus-operator", "operator"));
        Clients["viewer"] = Client(await CreateKeyAsync("corpus-viewer", "viewer"));

        Placeholders["tmp"] = DataDirectory;
        Placeholders["draftJob"] = await CreateDraftAsync("jobs", "name: probe\nnamespace: corpus\ndomain: ci\nversion: v1\nkind: build\nparams:\n  - {name: TOKEN, sensitive: true, default: corpus-sensitive-default-marker}\n");
        Placeholders["draftPipeline"] = await CreateDraftAsync("pipelines",
            "name: dangling\nnamespace: corpus\ndomain: ci\nversion: v1\nstages:\n  - name: s\n    tasks:\n      - {name: t, job: nosuch@corpus.ci:v1}\n");
        var greeter = await CreateDraftAsync("pipelines",
            "name: greeter\nnamespace: corpus\ndomain: ci\nversion: v1\nstages:\n  - name: s\n    tasks:\n      - {name: greet, job: greet@mflow.examples:v1, params: {WHO: corpus}}\n");
        using (var published = await Clients["admin"].PostAsync($"/api/v1/pipelines/{greeter}/publish", null))
            Assert.True(published.IsSuccessStatusCode, await published.Content.ReadAsStringAsync());
        await HoldATaskAsync();

        // Idle: set up, and not growing any more (the first requests JIT-compile and warm caches).
        var settled = await Eventually.UntilAsync(
            async () =>
            {
                var before = Rss();
                await Task.Delay(500);
                return (Before: before, After: Rss());
            },
            sample => Math.Abs(sample.After - sample.Before) < 4 * 1024 * 1024,
            TimeSpan.FromSeconds(30),
            "the server's memory settles");
        IdleRssBytes = settled.After;
        PeakRssBytes = IdleRssBytes;
        _sampling = Task.Run(async () =>
        {
            while (!_stopSampling.IsCancellationRequested && !Process.HasExited)
            {
                Sample();
                await Task.Delay(20);
            }
        });
    }

    /// <summary>Records the current resident memory if it is the highest so far.</summary>
    public void Sample()
    {
        try
        {
            PeakRssBytes = Math.Max(PeakRssBytes, Rss());
        }
        catch (IOException)
        {
            // The process is gone; the test says so.
        }
    }

    /// <summary>The process's resident memory now, from /proc/&lt;pid&gt;/status.</summary>
    public long Rss() =>
        File.ReadLines($"/proc/{Process.ProcessId}/status")
            .Where(line => line.StartsWith("VmRSS:", StringComparison.Ordinal))
            .Select(line => long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024)
            .Single();

    /// <summary>Sends one case and returns the status and body of the answer.</summary>
    public async Task<(int Status, string? ContentType, string Body)> SendAsync(HostileCase @case)
    {
        var path = @case.FilledPath(Placeholders);
        var body = @case.BodyBytes(Placeholders);
        var headers = @case.FilledHeaders(Placeholders);
        var authorization = @case.As switch
        {
            "none" => null,
            "task" => TaskToken,
            var role => ((AuthenticationHeaderValue?)Clients[role].DefaultRequestHeaders.Authorization)?.Parameter,
        };
        if (authorization is not null)
            headers["Authorization"] = $"Bearer {authorization}";
        if (@case.Type != "none")
            headers["Content-Type"] = @case.Type;

        // Large bodies go over a plain connection, read while sending: a client library may give up
        // sending (and lose the answer) when the server refuses early, as it should.
        if (@case.Chunked || body?.Length > 512 * 1024)
        {
            var (status, text) = await RawHttp.SendAsync(Process.BaseAddress, @case.Method, path, headers, body ?? [], @case.Chunked, TimeSpan.FromSeconds(60));
            return (status, text.TrimStart().StartsWith('{') ? "application/problem+json" : null, text);
        }

        // A connection of its own: a refused body may leave the previous one unusable, as it should.
        using var request = new HttpRequestMessage(new HttpMethod(@case.Method), path) { Headers = { ConnectionClose = true } };
        if (body is not null)
            request.Content = new ByteArrayContent(body);
        foreach (var (name, value) in headers)
        {
            if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
                request.Content?.Headers.TryAddWithoutValidation(name, value);
            else
                request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await Clients["none"].SendAsync(request);
        return ((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync());
    }

    /// <summary>A run's state as GET /api/v1/runs/{id} shows it.</summary>
    public async Task<string> RunStateAsync(Guid runId) => (await RunAsync(runId)).GetProperty("state").GetString()!;

    /// <summary>A run as GET /api/v1/runs/{id} shows it.</summary>
    public async Task<JsonElement> RunAsync(Guid runId)
    {
        using var response = await Clients["viewer"].GetAsync($"/api/v1/runs/{runId}");
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    /// <summary>Waits for a run to end and returns it.</summary>
    public async Task<JsonElement> WaitUntilFinalAsync(Guid runId) =>
        await Eventually.UntilAsync(() => RunAsync(runId), run => run.GetProperty("state").GetString() is "Succeeded" or "Failed" or "Cancelled", TimeSpan.FromMinutes(2), $"run {runId} ends");

    /// <summary>Creates and publishes a job definition as the admin.</summary>
    public async Task PublishJobAsync(string yaml)
    {
        var id = await CreateDraftAsync("jobs", yaml);
        using var published = await Clients["admin"].PostAsync($"/api/v1/jobs/{id}/publish", null);
        Assert.True(published.IsSuccessStatusCode, await published.Content.ReadAsStringAsync());
    }

    /// <summary>Everything SQLite holds, as bytes: the database and its write-ahead log.</summary>
    public byte[] DatabaseBytes()
    {
        using var all = new MemoryStream();
        foreach (var file in new[] { DatabasePath, DatabasePath + "-wal" }.Where(File.Exists))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            stream.CopyTo(all);
        }

        return all.ToArray();
    }

    /// <summary>Starts a run of a pipeline document and returns its id.</summary>
    public async Task<Guid> StartRunAsync(string pipeline)
    {
        using var response = await Clients["operator"].PostAsync("/api/v1/runs", new StringContent(pipeline, Encoding.UTF8, "application/yaml"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("id").GetGuid();
    }

    /// <inheritdoc />
    public override async Task DisposeAsync()
    {
        await _stopSampling.CancelAsync();
        if (_sampling is not null)
            await _sampling;
        foreach (var client in Clients.Values)
            client.Dispose();
        await base.DisposeAsync();
    }

    async Task<string> CreateDraftAsync(string kind, string yaml)
    {
        using var response = await Clients["admin"].PostAsync($"/api/v1/{kind}", new StringContent(yaml, Encoding.UTF8, "application/yaml"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("id").GetString()!;
    }

    // A task that writes its update token and id where the test reads them, then waits.
    async Task HoldATaskAsync()
    {
        var runId = await StartRunAsync($$"""
            name: hold
            stages:
              - name: s
                tasks:
                  - name: hold
                    kind: build
                    timeoutSeconds: 900
                    params: {HOLD_DIR: "{{DataDirectory}}"}
                    container:
                      image: alpine:3.20
                      command: [sh, -c, 'printf %s "$_JOB_TASK_UPDATE_TOKEN" > "$HOLD_DIR/token.tmp"; printf %s "$_JOB_TASK_ID" > "$HOLD_DIR/task"; mv "$HOLD_DIR/token.tmp" "$HOLD_DIR/token"; sleep 900']
            """);
        var tokenFile = Path.Combine(DataDirectory, "token");
        Eventually.Until(() => File.Exists(tokenFile), TimeSpan.FromSeconds(60), "the held task writes its update token");
        TaskToken = await File.ReadAllTextAsync(tokenFile);
        Placeholders["task"] = await File.ReadAllTextAsync(Path.Combine(DataDirectory, "task"));
        Placeholders["run"] = runId.ToString();
    }
}
