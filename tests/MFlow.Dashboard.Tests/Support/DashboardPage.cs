using Microsoft.Playwright;

namespace MFlow.Dashboard.Tests.Support;

/// <summary>
/// One browser tab on the dashboard, in a context of its own. Records what a user would not see but
/// must not happen: a script error, a Content-Security-Policy violation, a request leaving the server's
/// origin (the dashboard works offline).
/// </summary>
public sealed class DashboardPage : IAsyncDisposable
{
    readonly DashboardServer _server;
    readonly IBrowserContext _context;
    readonly List<string> _problems = [];

    public DashboardPage(DashboardServer server, IBrowserContext context, IPage page)
    {
        _server = server;
        _context = context;
        Page = page;
        var origin = server.Process.BaseAddress.GetLeftPart(UriPartial.Authority);
        page.PageError += (_, error) => Record($"script error: {error}");
        page.Console += (_, message) =>
        {
            if (message.Type == "error" && message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase))
                Record($"CSP violation: {message.Text}");
        };
        page.Request += (_, request) =>
        {
            if (!request.Url.StartsWith(origin + "/", StringComparison.Ordinal) && !request.Url.StartsWith("data:", StringComparison.Ordinal))
                Record($"request to another origin: {request.Url}");
        };
    }

    /// <summary>The tab.</summary>
    public IPage Page { get; }

    /// <summary>Signs in through the form, with the keyboard only.</summary>
    public async Task SignInAsync(string key)
    {
        var input = Page.GetByLabel("API key");
        await Assertions.Expect(input).ToBeFocusedAsync();
        await Page.Keyboard.TypeAsync(key);
        await Page.Keyboard.PressAsync("Enter");
    }

    /// <summary>Opens a run's page the way a link does (no page load).</summary>
    public async Task OpenRunAsync(Guid runId)
    {
        await Page.EvaluateAsync("id => { location.hash = `#/runs/${id}`; }", runId.ToString());
        await Assertions.Expect(Page.Locator("h1 .badge")).ToBeVisibleAsync();
    }

    /// <summary>The run's state as its page's heading shows it.</summary>
    public ILocator RunState => Page.Locator("h1 .badge");

    /// <summary>A task's card on the run page.</summary>
    public ILocator Task(string name) => Page.Locator($"button.task[data-task=\"{name}\"]");

    /// <summary>Saves a full-page screenshot as TestResults/screenshots/dashboard/&lt;name&gt;.png.</summary>
    public Task ScreenshotAsync(string name) =>
        Page.ScreenshotAsync(new() { Path = Path.Combine(_server.ScreenshotDirectory, $"{name}.png"), FullPage = true });

    /// <summary>Fails the test if a script failed, the policy refused something, or a request left the origin.</summary>
    public void ShouldHaveRunCleanly()
    {
        lock (_problems)
            Assert.True(_problems.Count == 0, string.Join("\n", _problems));
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await _context.DisposeAsync();

    void Record(string problem)
    {
        lock (_problems)
            _problems.Add(problem);
    }
}
