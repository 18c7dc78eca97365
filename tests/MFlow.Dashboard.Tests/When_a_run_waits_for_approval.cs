using MFlow.Dashboard.Tests.Support;
using Microsoft.Playwright;

namespace MFlow.Dashboard.Tests;

[Collection(DashboardCollection.Name)]
public sealed class When_a_run_waits_for_approval(DashboardServer server)
{
    const string Gated = """
        name: dashboard-gated
        stages:
          - name: staging
            tasks:
              - name: deploy-staging
                kind: deploy
                container:
                  image: bitnami/kubectl:1.31
                  command: [sh, -c, "echo staged"]
          - name: production
            approval:
              role: operator
              message: Staging looks good? Ship to production.
              timeout: 10m
              onTimeout: reject
            tasks:
              - name: deploy-production
                kind: deploy
                container:
                  image: bitnami/kubectl:1.31
                  command: [sh, -c, "echo shipped"]
        """;

    [Fact]
    public async Task Should_move_on_when_approved_from_the_page()
    {
        var runId = await server.StartRunAsync(Gated);
        await using var viewer = await server.SignInAsync("viewer");
        await using var page = await server.SignInAsync("operator");
        await viewer.OpenRunAsync(runId);
        await page.OpenRunAsync(runId);

        await Assertions.Expect(page.RunState).ToHaveTextAsync("Waiting for approval", new() { Timeout = 60_000 });
        var gate = page.Page.GetByRole(AriaRole.Region, new() { Name = "Stage “production” waits for approval" });
        await Assertions.Expect(gate).ToContainTextAsync("Staging looks good? Ship to production.");
        await Assertions.Expect(page.Task("deploy-production")).ToHaveAttributeAsync("data-state", "Waiting");
        // The viewer sees the gate, and that it may not decide it.
        await Assertions.Expect(viewer.Page.Locator(".approval")).ToContainTextAsync("Your key may not decide this gate.");
        await Assertions.Expect(viewer.Page.GetByRole(AriaRole.Button, new() { Name = "Approve" })).ToHaveCountAsync(0);
        await page.ScreenshotAsync("run-waiting-for-approval");

        await gate.GetByLabel("Comment (optional)").FillAsync("looks good from the dashboard");
        await gate.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();

        await Assertions.Expect(page.RunState).ToHaveTextAsync("Succeeded", new() { Timeout = 60_000 });
        await Assertions.Expect(page.Task("deploy-production")).ToHaveAttributeAsync("data-state", "Succeeded");
        await Assertions.Expect(page.Page.Locator(".approval")).ToHaveCountAsync(0);
        await Assertions.Expect(viewer.RunState).ToHaveTextAsync("Succeeded", new() { Timeout = 60_000 });
        var approval = (await server.RunAsync(runId)).GetProperty("approvals")[0];
        Assert.Equal("Approved", approval.GetProperty("state").GetString());
        Assert.Equal("dashboard-operator", approval.GetProperty("decidedBy").GetString());
        Assert.Equal("looks good from the dashboard", approval.GetProperty("comment").GetString());
        page.ShouldHaveRunCleanly();
        viewer.ShouldHaveRunCleanly();
    }
}
