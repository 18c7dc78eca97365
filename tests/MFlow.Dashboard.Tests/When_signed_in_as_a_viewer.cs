using MFlow.Dashboard.Tests.Support;
using Microsoft.Playwright;

namespace MFlow.Dashboard.Tests;

[Collection(DashboardCollection.Name)]
public sealed class When_signed_in_as_a_viewer(DashboardServer server)
{
    const string Holding = """
        name: dashboard-hold
        stages:
          - name: wait
            tasks:
              - name: hold
                kind: build
                timeoutSeconds: 300
                container:
                  image: alpine:3.20
                  command: [sh, -c, "echo holding; sleep 120"]
        """;

    [Fact]
    public async Task Should_see_no_cancel_button_and_a_forged_cancel_should_get_403()
    {
        var runId = await server.StartRunAsync(Holding);
        await using var viewer = await server.SignInAsync("viewer");
        await viewer.OpenRunAsync(runId);
        await Assertions.Expect(viewer.Task("hold")).ToHaveAttributeAsync("data-state", "Running");

        await Assertions.Expect(viewer.Page.GetByRole(AriaRole.Button, new() { Name = "Cancel run" })).ToHaveCountAsync(0);
        await Assertions.Expect(viewer.Page.Locator(".actions button")).ToHaveCountAsync(0);
        var forged = await viewer.Page.EvaluateAsync<int>(
            "async id => (await fetch(`/api/v1/runs/${id}/cancel`, { method: 'POST', headers: { Authorization: `Bearer ${sessionStorage.getItem('mflow.key')}` } })).status",
            runId.ToString());
        Assert.Equal(403, forged);
        Assert.Equal("Running", (await server.RunAsync(runId)).GetProperty("state").GetString());
        await viewer.ScreenshotAsync("run-as-viewer");

        // An operator sees the button, and it cancels the run; the viewer's page follows.
        await using var @operator = await server.SignInAsync("operator");
        await @operator.OpenRunAsync(runId);
        await @operator.Page.GetByRole(AriaRole.Button, new() { Name = "Cancel run" }).ClickAsync();
        await Assertions.Expect(@operator.RunState).ToHaveTextAsync("Cancelled", new() { Timeout = 60_000 });
        await Assertions.Expect(viewer.RunState).ToHaveTextAsync("Cancelled", new() { Timeout = 60_000 });
        await Assertions.Expect(@operator.Page.GetByRole(AriaRole.Button, new() { Name = "Rerun" })).ToBeVisibleAsync();
        await Assertions.Expect(@operator.Page.GetByRole(AriaRole.Button, new() { Name = "Resume" })).ToBeVisibleAsync();
        await Assertions.Expect(viewer.Page.Locator(".actions button")).ToHaveCountAsync(0);

        // Resumed from the page, the run is followed live again: a cancel made elsewhere shows up.
        await @operator.Page.GetByRole(AriaRole.Button, new() { Name = "Resume" }).ClickAsync();
        await Assertions.Expect(@operator.RunState).ToHaveTextAsync("Running", new() { Timeout = 60_000 });
        await Assertions.Expect(@operator.Task("hold")).ToHaveAttributeAsync("data-state", "Running", new() { Timeout = 60_000 });
        var (status, body) = await server.SendAsync("operator", HttpMethod.Post, $"/api/v1/runs/{runId}/cancel");
        Assert.True(status == 202 || status == 200, $"cancel answered {status}: {body}");
        await Assertions.Expect(@operator.RunState).ToHaveTextAsync("Cancelled", new() { Timeout = 60_000 });
        viewer.ShouldHaveRunCleanly();
        @operator.ShouldHaveRunCleanly();
    }
}
