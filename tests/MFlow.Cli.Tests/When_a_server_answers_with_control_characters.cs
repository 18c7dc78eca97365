using System.Net;
using System.Text;
using MFlow.Cli.Tests.Support;
using MFlow.Testing;

namespace MFlow.Cli.Tests;

/// <summary>
/// Whatever a server (or a proxy in front of it) answers reaches the terminal with its control
/// characters shown: a table of runs and the problem details of a refusal. The server here is a
/// stand-in: MFlow's own API already shows control characters in its error messages as '?'.
/// </summary>
public sealed class When_a_server_answers_with_control_characters : StandInServer
{
    const string Title = "Refused \u001b]0;pwned\u0007";
    const string Pipeline = "evil\u001b[2J\u009b1m";

    [Fact]
    public async Task Should_show_them_in_a_table_and_in_problem_details()
    {
        using var mflow = NewCli();

        var list = await mflow.RunAsync("run", "list");
        var refused = await mflow.RunAsync("run", "get", Guid.NewGuid().ToString());

        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Contains("evil^[[2J^[[1m", list.Stdout);
        Assert.True(refused.ExitCode == 2, refused.ToString());
        Assert.Contains("Error: Refused ^[]0;pwned^G (HTTP 400", refused.Stderr);
        Assert.Contains("  name: ^[[31mred", refused.Stderr);
        foreach (var output in new[] { list.Stdout, list.Stderr, refused.Stdout, refused.Stderr })
            Assert.DoesNotContain(output, c => char.IsControl(c) && c is not ('\n' or '\t'));
    }

    protected override async Task AnswerAsync(HttpListenerContext context)
    {
        var response = context.Response;
        string body;
        if (context.Request.Url!.AbsolutePath == "/api/v1/runs")
        {
            response.ContentType = "application/json";
            body = $$"""[{"id":"{{Guid.NewGuid()}}","pipeline":"{{Json(Pipeline)}}","state":"Running","triggeredBy":"ci","createdAt":"2026-01-01T00:00:00Z","updatedAt":"2026-01-01T00:00:00Z"}]""";
        }
        else
        {
            response.StatusCode = 400;
            response.ContentType = "application/problem+json";
            body = $$$"""{"title":"{{{Json(Title)}}}","status":400,"errors":{"name":["\u001b[31mred"]}}""";
        }

        var bytes = Encoding.UTF8.GetBytes(body);
        await response.OutputStream.WriteAsync(bytes);
        response.Close();
    }

    static string Json(string text) => System.Text.Json.JsonSerializer.Serialize(text)[1..^1];
}
