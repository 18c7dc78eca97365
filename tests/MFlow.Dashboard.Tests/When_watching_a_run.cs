using System.Text.Json.Nodes;
using MFlow.Dashboard.Tests.Support;
using Microsoft.Playwright;

namespace MFlow.Dashboard.Tests;

[Collection(DashboardCollection.Name)]
public sealed class When_watching_a_run(DashboardServer server)
{
    // compile runs until the test creates its gate file (the standalone's local executor runs sh on
    // this host), so the page sees it Running however slow the machine; then at least 3 s more.
    static string TwoStages(string name, string gate) => $$"""
        name: {{name}}
        stages:
          - name: build
            tasks:
              - name: compile
                kind: build
                container:
                  image: alpine:3.20
                  command: [sh, -c, "echo compiling; while [ ! -e '{{gate}}' ]; do sleep 0.1; done; sleep 3; echo compiled; printf 'IMAGE=registry.example.com/app:1\\0' >> \"$_OUTPUT_FILE\""]
          - name: deploy
            tasks:
              - name: deploy-staging
                kind: deploy
                container:
                  image: bitnami/kubectl:1.31
                  command: [sh, -c, "echo deployed"]
        """;

    static string NewGate() => Path.Combine(Directory.CreateTempSubdirectory("mflow-gate-").FullName, "go");

    [Fact]
    public async Task Should_turn_green_on_the_run_page_without_reloading()
    {
        await using var page = await server.SignInAsync("viewer");
        var gate = NewGate();
        var runId = await server.StartRunAsync(TwoStages("dashboard-watch", gate));
        await page.OpenRunAsync(runId);
        // Survives only as long as the page is not loaded again.
        await page.Page.EvaluateAsync("window.notReloaded = true");

        await Assertions.Expect(page.Task("compile")).ToHaveAttributeAsync("data-state", "Running");
        await page.ScreenshotAsync("run-running");
        await File.WriteAllTextAsync(gate, "");
        await Assertions.Expect(page.RunState).ToHaveTextAsync("Succeeded", new() { Timeout = 60_000 });

        await Assertions.Expect(page.Task("compile")).ToHaveAttributeAsync("data-state", "Succeeded");
        await Assertions.Expect(page.Task("deploy-staging")).ToHaveAttributeAsync("data-state", "Succeeded");
        await Assertions.Expect(page.Page.Locator(".stage .badge").First).ToHaveTextAsync("Succeeded");
        await Assertions.Expect(page.Page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Ended");
        Assert.True(await page.Page.EvaluateAsync<bool>("window.notReloaded === true"), "the page was loaded again");

        // A task's details: its duration, attempt and outputs.
        await page.Task("compile").ClickAsync();
        var detail = page.Page.Locator(".task-detail");
        await Assertions.Expect(detail).ToContainTextAsync("IMAGE");
        await Assertions.Expect(detail).ToContainTextAsync("registry.example.com/app:1");
        await Assertions.Expect(detail.Locator("pre.log")).ToContainTextAsync("compiled");
        await Assertions.Expect(detail.Locator(".duration").First).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^[3-9]s$|^\d\d+s$"));
        await page.ScreenshotAsync("run-succeeded");
        page.ShouldHaveRunCleanly();
    }

    [Fact]
    public async Task Should_follow_a_running_tasks_log()
    {
        await using var page = await server.SignInAsync("viewer");
        var gate = NewGate();
        var runId = await server.StartRunAsync($$"""
            name: dashboard-log
            stages:
              - name: build
                tasks:
                  - name: talk
                    kind: build
                    container:
                      image: alpine:3.20
                      command: [sh, -c, "echo first-line; while [ ! -e '{{gate}}' ]; do sleep 0.1; done; echo second-line; sleep 2"]
            """);
        await page.OpenRunAsync(runId);
        await Assertions.Expect(page.Task("talk")).ToHaveAttributeAsync("data-state", "Running");

        await page.Task("talk").FocusAsync();
        await page.Page.Keyboard.PressAsync("Enter");

        var log = page.Page.Locator(".task-detail pre.log");
        await Assertions.Expect(log).ToContainTextAsync("first-line");
        await Assertions.Expect(page.Task("talk")).ToHaveAttributeAsync("data-state", "Running");
        await File.WriteAllTextAsync(gate, "");
        await Assertions.Expect(log).ToContainTextAsync("second-line");
        await Assertions.Expect(page.RunState).ToHaveTextAsync("Succeeded", new() { Timeout = 60_000 });
        await Assertions.Expect(log).ToContainTextAsync("first-line");
        page.ShouldHaveRunCleanly();
    }

    [Fact]
    public async Task Should_read_the_run_again_when_its_stream_ends_early_and_stop_once_it_ended()
    {
        await using var page = await server.SignInAsync("viewer");
        var gate = NewGate();
        await File.WriteAllTextAsync(gate, "");
        var runId = await server.StartRunAsync(TwoStages("dashboard-early-end", gate));
        var running = JsonNode.Parse((await server.WaitForStateAsync(runId, "Succeeded")).GetRawText())!;
        running["state"] = "Running";
        running["completedAt"] = null;
        // The page opens on a view that says Running; its stream then ends without an event, as a
        // replica ends it when it stops, or for a run that ended without a terminal event journaled.
        var views = 0;
        await page.Page.RouteAsync($"**/api/v1/runs/{runId}", async route =>
        {
            if (Interlocked.Increment(ref views) == 1)
                await route.FulfillAsync(new() { Status = 200, ContentType = "application/json", Body = running.ToJsonString() });
            else
                await route.ContinueAsync();
        });
        var streams = 0;
        await page.Page.RouteAsync($"**/api/v1/runs/{runId}/events", async route =>
        {
            Interlocked.Increment(ref streams);
            await route.FulfillAsync(new() { Status = 200, ContentType = "text/event-stream", Body = "" });
        });

        await page.OpenRunAsync(runId);

        // The view read again says the run ended: the page shows it and does not reconnect.
        await Assertions.Expect(page.RunState).ToHaveTextAsync("Succeeded");
        await Assertions.Expect(page.Page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Ended");
        Assert.Equal(1, Volatile.Read(ref streams));
        page.ShouldHaveRunCleanly();
    }

    [Fact]
    public async Task Should_reconnect_with_growing_waits_while_streams_end_early_on_a_running_run()
    {
        await using var page = await server.SignInAsync("viewer");
        var gate = NewGate();
        var runId = await server.StartRunAsync(TwoStages("dashboard-backoff", gate));
        var events = $"**/api/v1/runs/{runId}/events";
        await page.Page.RouteAsync(events, route => route.FulfillAsync(new() { Status = 200, ContentType = "text/event-stream", Body = "" }));

        await page.OpenRunAsync(runId);

        // Each stream ends at once and the run goes on: 1 s, then 2 s, then 4 s between connections.
        var status = page.Page.GetByRole(AriaRole.Status);
        await Assertions.Expect(status).ToHaveTextAsync("Reconnecting in 4 s (the stream ended before the run)", new() { Timeout = 60_000 });

        // Streams that work again: the page follows the run to its end.
        await page.Page.UnrouteAsync(events);
        await File.WriteAllTextAsync(gate, "");
        await Assertions.Expect(page.RunState).ToHaveTextAsync("Succeeded", new() { Timeout = 60_000 });
        await Assertions.Expect(status).ToHaveTextAsync("Ended");
        page.ShouldHaveRunCleanly();
    }

    [Fact]
    public async Task Should_list_a_new_run_and_filter_by_pipeline_and_state()
    {
        await using var page = await server.SignInAsync("viewer");
        var gate = NewGate();
        await File.WriteAllTextAsync(gate, ""); // nothing to watch here: the run goes straight through
        var runId = await server.StartRunAsync(TwoStages("dashboard-listed", gate));

        var row = page.Page.Locator("tbody tr", new() { Has = page.Page.Locator($"a[href=\"#/runs/{runId}\"]") });
        await Assertions.Expect(row).ToHaveCountAsync(1);
        await Assertions.Expect(row.Locator(".badge")).ToHaveTextAsync("Succeeded", new() { Timeout = 60_000 });

        await page.Page.GetByLabel("Pipeline").FillAsync("dashboard-listed");
        await page.Page.GetByLabel("State").SelectOptionAsync("Failed");
        await Assertions.Expect(row).ToHaveCountAsync(0);
        await page.Page.GetByLabel("State").SelectOptionAsync("Succeeded");
        await Assertions.Expect(row).ToHaveCountAsync(1);
        await Assertions.Expect(page.Page.Locator("tbody tr")).ToHaveCountAsync(await page.Page.Locator("tbody tr", new() { HasText = "dashboard-listed" }).CountAsync());
        Assert.Contains("pipeline=dashboard-listed", page.Page.Url, StringComparison.Ordinal);
        await page.ScreenshotAsync("runs");

        await row.Locator("a").First.ClickAsync();
        await Assertions.Expect(page.RunState).ToHaveTextAsync("Succeeded");
        page.ShouldHaveRunCleanly();
    }
}
