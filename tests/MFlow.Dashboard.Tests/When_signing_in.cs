using MFlow.Dashboard.Tests.Support;
using Microsoft.Playwright;

namespace MFlow.Dashboard.Tests;

[Collection(DashboardCollection.Name)]
public sealed class When_signing_in(DashboardServer server)
{
    [Fact]
    public async Task Should_show_the_runs_and_who_is_signed_in_keeping_the_key_in_the_tab_only()
    {
        await using var page = await server.OpenAsync();
        await Assertions.Expect(page.Page.GetByRole(AriaRole.Heading, new() { Name = "Sign in" })).ToBeVisibleAsync();
        await page.ScreenshotAsync("sign-in");

        await page.SignInAsync(server.Keys["operator"]);

        await Assertions.Expect(page.Page.Locator("#who")).ToHaveTextAsync("dashboard-operator (operator)");
        await Assertions.Expect(page.Page.GetByRole(AriaRole.Heading, new() { Name = "Runs" })).ToBeVisibleAsync();
        Assert.Equal(server.Keys["operator"], await page.Page.EvaluateAsync<string>("sessionStorage.getItem('mflow.key')"));
        Assert.Equal(0, await page.Page.EvaluateAsync<int>("localStorage.length"));
        Assert.Equal("", await page.Page.EvaluateAsync<string>("document.cookie"));

        // Another tab (another session) knows no key.
        await using var other = await server.OpenAsync();
        await Assertions.Expect(other.Page.GetByLabel("API key")).ToBeVisibleAsync();

        await page.Page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Assertions.Expect(page.Page.GetByLabel("API key")).ToBeVisibleAsync();
        Assert.Null(await page.Page.EvaluateAsync<string?>("sessionStorage.getItem('mflow.key')"));
        page.ShouldHaveRunCleanly();
    }

    [Fact]
    public async Task Should_refuse_a_key_the_server_does_not_know()
    {
        await using var page = await server.OpenAsync();

        await page.SignInAsync("not-a-key-of-this-server-0123456789");

        await Assertions.Expect(page.Page.GetByRole(AriaRole.Alert)).ToContainTextAsync("The API key is not valid.");
        await Assertions.Expect(page.Page.Locator("#nav")).ToBeHiddenAsync();
        Assert.Null(await page.Page.EvaluateAsync<string?>("sessionStorage.getItem('mflow.key')"));
        page.ShouldHaveRunCleanly();
    }

    [Fact]
    public async Task Should_serve_the_page_with_a_strict_content_security_policy()
    {
        using var http = new HttpClient { BaseAddress = server.Process.BaseAddress };

        foreach (var path in new[] { "/", "/ui/app.js", "/ui/app.css" })
        {
            using var response = await http.GetAsync(path);
            response.EnsureSuccessStatusCode();
            var policy = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
            Assert.Contains("default-src 'none'", policy);
            Assert.Contains("script-src 'self'", policy);
            Assert.Contains("connect-src 'self'", policy);
            Assert.Contains("frame-ancestors 'none'", policy);
            Assert.DoesNotContain("unsafe", policy);
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        }
    }
}
