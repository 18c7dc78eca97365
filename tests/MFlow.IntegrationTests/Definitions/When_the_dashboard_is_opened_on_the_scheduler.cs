using System.Net;
using System.Text.RegularExpressions;

namespace MFlow.IntegrationTests.Definitions;

/// <summary>The scheduler serves the same dashboard as the standalone (whose pages tests/MFlow.Dashboard.Tests drives in a browser).</summary>
[Collection(DefinitionsCollection.Name)]
public sealed partial class When_the_dashboard_is_opened_on_the_scheduler(DefinitionsCluster cluster)
{
    [Fact]
    public async Task Should_serve_the_page_and_every_file_it_loads_without_a_key_under_a_strict_policy()
    {
        using var page = await cluster.Anonymous.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("default-src 'none'; script-src 'self'", string.Join(";", page.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
        var html = await page.Content.ReadAsStringAsync();

        var loaded = LoadedFiles().Matches(html).Select(match => match.Groups["path"].Value).ToList();
        Assert.Contains("/ui/app.js", loaded);
        Assert.Contains("/ui/app.css", loaded);
        foreach (var path in loaded)
        {
            using var file = await cluster.Anonymous.GetAsync(path);
            Assert.True(file.StatusCode == HttpStatusCode.OK, $"{path}: {file.StatusCode}");
            Assert.Equal("nosniff", file.Headers.GetValues("X-Content-Type-Options").Single());
        }

        // Unchanged files are not sent again.
        using var again = new HttpRequestMessage(HttpMethod.Get, "/ui/app.js");
        using (var first = await cluster.Anonymous.GetAsync("/ui/app.js"))
            again.Headers.IfNoneMatch.Add(first.Headers.ETag!);
        using var notModified = await cluster.Anonymous.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);

        using var missing = await cluster.Anonymous.GetAsync("/ui/no-such-file.js");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [GeneratedRegex("(?:src|href)=\"(?<path>/ui/[^\"]+)\"")]
    private static partial Regex LoadedFiles();
}
