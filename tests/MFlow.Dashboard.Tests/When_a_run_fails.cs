using MFlow.Dashboard.Tests.Support;
using MFlow.Testing;
using Microsoft.Playwright;

namespace MFlow.Dashboard.Tests;

[Collection(DashboardCollection.Name)]
public sealed class When_a_run_fails(DashboardServer server)
{
    [Fact]
    public async Task Should_show_the_failed_tasks_reason_and_log()
    {
        await using var page = await server.SignInAsync("viewer");
        var runId = await server.StartRunAsync(await File.ReadAllTextAsync(RepositoryPaths.Combine("examples", "pipelines", "fails.yaml")));
        await page.OpenRunAsync(runId);

        await Assertions.Expect(page.RunState).ToHaveTextAsync("Failed", new() { Timeout = 60_000 });

        var failed = (await server.RunAsync(runId)).GetProperty("stages")[1].GetProperty("tasks")[0];
        var reason = failed.GetProperty("reason").GetString()!;
        await Assertions.Expect(page.Task("flaky-test")).ToHaveAttributeAsync("data-state", "Failed");
        await Assertions.Expect(page.Task("flaky-test")).ToContainTextAsync(reason);
        await Assertions.Expect(page.Task("flaky-test")).ToContainTextAsync("exit 3");
        await Assertions.Expect(page.Task("deploy-staging")).ToHaveAttributeAsync("data-state", "Waiting");
        // The failed task is what a reader comes for: shown without a click, with its log.
        var detail = page.Page.Locator(".task-detail");
        await Assertions.Expect(detail.GetByRole(AriaRole.Heading, new() { Level = 2 })).ToContainTextAsync("flaky-test");
        await Assertions.Expect(detail).ToContainTextAsync(reason);
        await Assertions.Expect(detail.Locator("pre.log")).ToContainTextAsync("assertion failed: expected 2, got 3");
        await page.ScreenshotAsync("run-failed");

        // Another task's log, chosen with the keyboard.
        await page.Task("compile").FocusAsync();
        await page.Page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(detail.Locator("pre.log")).ToContainTextAsync("compiled");
        page.ShouldHaveRunCleanly();
    }
}
