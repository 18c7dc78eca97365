using System.Text;
using System.Text.Json;
using MFlow.Dashboard.Tests.Support;
using Microsoft.Playwright;

namespace MFlow.Dashboard.Tests;

[Collection(DashboardCollection.Name)]
public sealed class When_browsing_definitions_and_settings(DashboardServer server)
{
    const string ClusterToken = "kubeconfig-token-never-shown-0123456789";
    const string HookToken = "hook-token-never-shown-0123456789";

    [Fact]
    public async Task Should_show_pipelines_with_their_versions_and_states()
    {
        var first = await CreateDefinitionAsync("pipelines", Pipeline("v1"));
        Assert.Equal(200, (await server.SendAsync("admin", HttpMethod.Post, $"/api/v1/pipelines/{first}/publish")).Status);
        var second = await CreateDefinitionAsync("pipelines", Pipeline("v2"));
        await using var page = await server.SignInAsync("viewer");

        await page.Page.GetByRole(AriaRole.Link, new() { Name = "Pipelines", Exact = true }).ClickAsync();
        var rows = page.Page.Locator("tbody tr", new() { HasText = "shown@dashboard.tests" });
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        await Assertions.Expect(rows.Filter(new() { HasText = "v1" })).ToContainTextAsync("published");
        await Assertions.Expect(rows.Filter(new() { HasText = "v2" })).ToContainTextAsync("draft");
        await page.Page.GetByLabel("State").SelectOptionAsync("draft");
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await page.ScreenshotAsync("pipelines");

        await rows.GetByRole(AriaRole.Link).ClickAsync();
        await Assertions.Expect(page.Page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("shown@dashboard.tests:v2");
        await Assertions.Expect(page.Page.Locator("pre.document")).ToContainTextAsync("greet@mflow.examples:v1");
        await page.Page.GetByRole(AriaRole.Link, new() { Name = "v1", Exact = true }).ClickAsync();
        await Assertions.Expect(page.Page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("shown@dashboard.tests:v1");
        await Assertions.Expect(page.Page.GetByRole(AriaRole.Table, new() { Name = "History" })).ToContainTextAsync("publish");
        Assert.EndsWith($"#/pipelines/{first}", page.Page.Url, StringComparison.Ordinal);
        await page.ScreenshotAsync("pipeline");
        Assert.NotEqual(first, second);
        page.ShouldHaveRunCleanly();
    }

    [Fact]
    public async Task Should_show_jobs()
    {
        await using var page = await server.SignInAsync("viewer");

        await page.Page.GetByRole(AriaRole.Link, new() { Name = "Jobs", Exact = true }).ClickAsync();

        // The built-in jobs, published at start-up.
        await Assertions.Expect(page.Page.Locator("tbody tr", new() { HasText = "greet@mflow.examples" })).ToContainTextAsync("published");
        await page.ScreenshotAsync("jobs");
        page.ShouldHaveRunCleanly();
    }

    [Fact]
    public async Task Should_show_clusters_and_subscriptions_without_their_credentials()
    {
        var kubeconfig = $"apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {{server: \"https://10.0.0.1:6443\"}}\nusers:\n- name: u\n  user: {{token: \"{ClusterToken}\"}}\ncontexts:\n- name: x\n  context: {{cluster: c, user: u}}\ncurrent-context: x\n";
        var cluster = await server.SendAsync("admin", HttpMethod.Post, "/api/v1/clusters", new { id = "dashboard-east", description = "The east cluster", kubeconfig });
        Assert.True(cluster.Status == 201, cluster.Body);
        var subscription = await server.SendAsync("admin", HttpMethod.Post, "/api/v1/subscriptions",
            new { name = "dashboard-hook", target = "webhook", url = $"https://93.184.215.14/hooks/{HookToken}", secret = "whsec-dashboard", events = new[] { "run.failed" } });
        Assert.True(subscription.Status == 201, subscription.Body);
        await using var page = await server.SignInAsync("viewer");

        await page.Page.GetByRole(AriaRole.Link, new() { Name = "Clusters", Exact = true }).ClickAsync();
        await Assertions.Expect(page.Page.Locator("tbody tr", new() { HasText = "dashboard-east" })).ToContainTextAsync("The east cluster");
        Assert.DoesNotContain(ClusterToken, await page.Page.ContentAsync(), StringComparison.Ordinal);
        await page.ScreenshotAsync("clusters");

        await page.Page.GetByRole(AriaRole.Link, new() { Name = "Subscriptions", Exact = true }).ClickAsync();
        var row = page.Page.Locator("tbody tr", new() { HasText = "dashboard-hook" });
        await Assertions.Expect(row).ToContainTextAsync("run.failed");
        await Assertions.Expect(row).ToContainTextAsync("https://93.184.215.14/hooks/***");
        Assert.DoesNotContain(HookToken, await page.Page.ContentAsync(), StringComparison.Ordinal);
        await page.ScreenshotAsync("subscriptions");
        page.ShouldHaveRunCleanly();
    }

    [Fact]
    public async Task Should_fit_a_phone_screen()
    {
        var runId = await server.StartRunAsync("""
            name: dashboard-phone-with-a-long-pipeline-name
            stages:
              - name: build
                tasks:
                  - {name: compile, kind: build, container: {image: alpine:3.20, command: [sh, -c, "echo ok"]}}
              - name: test
                tasks:
                  - {name: unit-tests, kind: build, container: {image: alpine:3.20, command: [sh, -c, "echo ok"]}}
                  - {name: lint, kind: build, container: {image: alpine:3.20, command: [sh, -c, "echo ok"]}}
            """);
        await server.WaitForStateAsync(runId, "Succeeded");
        await using var page = await server.SignInAsync("operator", width: 390, height: 844);

        await page.OpenRunAsync(runId);
        await Assertions.Expect(page.RunState).ToHaveTextAsync("Succeeded");

        // Nothing wider than the screen: the stages stack instead of scrolling sideways.
        Assert.True(await page.Page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"), "the run page scrolls sideways on a phone");
        var columns = await page.Page.Locator(".stage").EvaluateAllAsync<double[]>("stages => stages.map(s => s.getBoundingClientRect().left)");
        Assert.All(columns, left => Assert.Equal(columns[0], left));
        await page.ScreenshotAsync("run-phone");
        await page.Page.GetByRole(AriaRole.Link, new() { Name = "Runs", Exact = true }).ClickAsync();
        await Assertions.Expect(page.Page.Locator("tbody tr").First).ToBeVisibleAsync();
        Assert.True(await page.Page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"), "the runs list scrolls sideways on a phone");
        await page.ScreenshotAsync("runs-phone");
        page.ShouldHaveRunCleanly();
    }

    static string Pipeline(string version) => $$$"""
        name: shown
        namespace: dashboard
        domain: tests
        version: {{{version}}}
        stages:
          - name: s
            tasks:
              - {name: greet, job: greet@mflow.examples:v1, params: {WHO: dashboard}}
        """;

    async Task<string> CreateDefinitionAsync(string kind, string yaml)
    {
        using var response = await server.Clients["admin"].PostAsync($"/api/v1/{kind}", new StringContent(yaml, Encoding.UTF8, "application/yaml"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("id").GetString()!;
    }
}
