using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using MFlow.Testing;
using Microsoft.Playwright;

namespace MFlow.Dashboard.Tests.Support;

/// <summary>
/// <c>MFlow.Standalone serve</c> as a separate process with an admin, an operator and a viewer key,
/// and a headless Debian chromium driven by Playwright, shared by every browser test (one server and
/// one browser: each test opens its own browser context, so sessions never mix).
/// </summary>
public sealed class DashboardServer() : StandaloneServer(
    "dashboard-serve", "dashboard-tests-admin-key-0123456789", new Dictionary<string, string?> { ["Logging__LogLevel__Default"] = "Warning" })
{
    /// <summary>The browser the tests drive: Debian's chromium package, which scripts/test.sh installs.</summary>
    public static readonly string ChromiumPath = Environment.GetEnvironmentVariable("MFLOW_TEST_CHROMIUM") ?? "/usr/bin/chromium";

    IPlaywright? _playwright;

    /// <summary>The browser.</summary>
    public IBrowser Browser { get; private set; } = null!;

    /// <summary>The API keys by role (admin, operator, viewer); each key is named dashboard-&lt;role&gt;.</summary>
    public Dictionary<string, string> Keys { get; } = [];

    /// <summary>An API client per role.</summary>
    public Dictionary<string, HttpClient> Clients { get; } = [];

    /// <summary>Where screenshots go: TestResults/screenshots/dashboard (MFLOW_TEST_RESULTS_DIR, as scripts/test.sh sets it).</summary>
    public string ScreenshotDirectory { get; } = Path.Combine(
        Environment.GetEnvironmentVariable("MFLOW_TEST_RESULTS_DIR") is { Length: > 0 } results ? results : RepositoryPaths.Combine("TestResults"),
        "screenshots", "dashboard");

    /// <inheritdoc />
    public override async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException(
                $"The browser tests drive Debian's chromium, and there is none at {ChromiumPath}. Run them through scripts/test.sh, which installs " +
                "the chromium package with apt-get (or install it: apt-get install -y chromium; MFLOW_TEST_CHROMIUM names another binary).");
        }

        await base.InitializeAsync();

        Keys["admin"] = AdminKey;
        Clients["admin"] = Client(AdminKey);
        foreach (var role in new[] { "operator", "viewer" })
        {
            Keys[role] = await CreateKeyAsync($"dashboard-{role}", role);
            Clients[role] = Client(Keys[role]);
        }

        // What a page shows may take a while on a loaded CI machine: the expectations poll this long.
        Assertions.SetDefaultExpectTimeout(30_000);
        _playwright = await Playwright.CreateAsync();
        // --disable-dev-shm-usage: a container's /dev/shm is often too small for chromium's shared memory.
        Browser = await _playwright.Chromium.LaunchAsync(new() { ExecutablePath = ChromiumPath, Headless = true, Args = ["--no-sandbox", "--disable-dev-shm-usage"] });
        Directory.CreateDirectory(ScreenshotDirectory);
    }

    /// <summary>A fresh browser tab (its own session storage) at the dashboard, not signed in.</summary>
    public async Task<DashboardPage> OpenAsync(int width = 1280, int height = 900)
    {
        var context = await Browser.NewContextAsync(new() { ViewportSize = new() { Width = width, Height = height }, BaseURL = Process.BaseAddress.ToString() });
        var page = new DashboardPage(this, context, await context.NewPageAsync());
        await page.Page.GotoAsync("/");
        return page;
    }

    /// <summary>A fresh tab signed in with the role's key, showing the runs list.</summary>
    public async Task<DashboardPage> SignInAsync(string role, int width = 1280, int height = 900)
    {
        var page = await OpenAsync(width, height);
        await page.SignInAsync(Keys[role]);
        await Assertions.Expect(page.Page.Locator("#who")).ToHaveTextAsync($"dashboard-{role} ({role})");
        return page;
    }

    /// <summary>Starts a run of a pipeline document as the operator and returns its id.</summary>
    public async Task<Guid> StartRunAsync(string pipeline)
    {
        using var response = await Clients["operator"].PostAsync("/api/v1/runs", new StringContent(pipeline, Encoding.UTF8, "application/yaml"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("id").GetGuid();
    }

    /// <summary>A run as GET /api/v1/runs/{id} shows it.</summary>
    public async Task<JsonElement> RunAsync(Guid runId)
    {
        using var response = await Clients["viewer"].GetAsync($"/api/v1/runs/{runId}");
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    /// <summary>Waits until the run is in the state, and returns it.</summary>
    public Task<JsonElement> WaitForStateAsync(Guid runId, string state) =>
        Eventually.UntilAsync(() => RunAsync(runId), run => run.GetProperty("state").GetString() == state, TimeSpan.FromMinutes(2), $"run {runId} is {state}");

    /// <summary>Sends a request as a role and returns the answer's status and body.</summary>
    public async Task<(int Status, string Body)> SendAsync(string role, HttpMethod method, string path, object? json = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = json is null ? null : JsonContent.Create(json) };
        using var response = await Clients[role].SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <inheritdoc />
    public override async Task DisposeAsync()
    {
        if (Browser is not null)
            await Browser.DisposeAsync();
        _playwright?.Dispose();
        foreach (var client in Clients.Values)
            client.Dispose();
        await base.DisposeAsync();
    }
}

/// <summary>The tests that share one <see cref="DashboardServer"/> (and so run one after another: two cores).</summary>
[CollectionDefinition(Name)]
public sealed class DashboardCollection : ICollectionFixture<DashboardServer>
{
    public const string Name = "dashboard";
}
