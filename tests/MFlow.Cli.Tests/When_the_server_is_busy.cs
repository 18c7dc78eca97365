using System.Net;
using System.Text;
using MFlow.Cli.Tests.Support;

namespace MFlow.Cli.Tests;

/// <summary>
/// The scheduler answers 503 with Retry-After while its database is out of reach (and 429 when a
/// client sends too much): the CLI sends a request that is safe to repeat again after the wait, a run
/// start with an Idempotency-Key of its own so that a repeat never starts a second run, and reports a
/// POST without a key (cancel) at once. The server is a stand-in that answers from a script and
/// keeps every request it got.
/// </summary>
public sealed class When_the_server_is_busy : StandInServer
{
    const string Pipeline = "name: hello\nstages:\n  - name: build\n    tasks:\n      - name: compile\n        kind: build\n";
    const string Busy = """{"title":"The database is unavailable.","status":503,"detail":"The database cannot be reached or takes no more connections right now; try again in 1 s."}""";
    const string WaitLine = "The server is busy (503: The database is unavailable.); trying again in 1 s.";
    static readonly Guid RunId = Guid.Parse("0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");

    readonly List<Request> _requests = [];

    // The answers to the requests in the order they come; the last one answers every later request.
    Answer[] _script = [];

    [Fact]
    public async Task Should_start_the_run_once_after_the_wait_with_the_same_idempotency_key()
    {
        _script = [Unavailable("1"), Created()];
        using var mflow = NewCli();

        var result = await mflow.RunAsync(["run", "start", "-f", "-"], null, Pipeline);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal($"Run {RunId} started.", result.Lines[0]);
        Assert.Equal([WaitLine], result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var tries = Requests();
        Assert.Equal(2, tries.Count);
        Assert.All(tries, r => Assert.Equal("POST /api/v1/runs", r.Line));
        Assert.All(tries, r => Assert.Equal(Pipeline, r.Body));
        Assert.False(string.IsNullOrEmpty(tries[0].IdempotencyKey), "the first try sent no Idempotency-Key");
        Assert.Equal(tries[0].IdempotencyKey, tries[1].IdempotencyKey);
        Assert.DoesNotContain(tries[0].IdempotencyKey!, result.Stderr + result.Stdout);
    }

    [Theory]
    [InlineData("start", "POST /api/v1/pipelines/hello%40team.example/runs")]
    [InlineData("rerun", "POST /api/v1/runs/0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b/rerun")]
    public async Task Should_say_started_when_a_retry_finds_the_run_its_first_try_created(string verb, string request)
    {
        _script = [Unavailable("1"), Existing()];
        using var mflow = NewCli();

        var result = await mflow.RunAsync("run", verb, verb == "start" ? "hello@team.example" : RunId.ToString());

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal($"Run {RunId} started.", result.Lines[0]);
        Assert.Contains(WaitLine, result.Stderr);
        var tries = Requests();
        Assert.Equal([request, request], tries.Select(r => r.Line));
        Assert.False(string.IsNullOrEmpty(tries[0].IdempotencyKey), "the first try sent no Idempotency-Key");
        Assert.Equal(tries[0].IdempotencyKey, tries[1].IdempotencyKey);
    }

    [Fact]
    public async Task Should_give_up_with_the_problem_after_four_tries()
    {
        _script = [Unavailable("0")];
        using var mflow = NewCli();

        var result = await mflow.RunAsync(["run", "start", "-f", "-"], null, Pipeline);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("Error: The database is unavailable. (HTTP 503, POST /api/v1/runs)", result.Stderr);
        Assert.Equal(3, result.Stderr.Split('\n').Count(l => l.StartsWith("The server is busy (503: The database is unavailable.); trying again in 0 s.", StringComparison.Ordinal)));
        var tries = Requests();
        Assert.Equal(4, tries.Count);
        Assert.Single(tries.Select(r => r.IdempotencyKey).Distinct());
    }

    [Fact]
    public async Task Should_report_a_cancel_at_once()
    {
        _script = [Unavailable("0"), new(202, """{"state":"Cancelling"}""", null)];
        using var mflow = NewCli();

        var result = await mflow.RunAsync("run", "cancel", RunId.ToString());

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains($"Error: The database is unavailable. (HTTP 503, POST /api/v1/runs/{RunId}/cancel)", result.Stderr);
        Assert.DoesNotContain("trying again", result.Stderr);
        var tries = Requests();
        Assert.Single(tries);
        Assert.Null(tries[0].IdempotencyKey);
    }

    [Fact]
    public async Task Should_repeat_a_document_with_its_own_key_without_a_header()
    {
        const string request = "pipeline:\n  name: hello\n  stages: []\nidempotencyKey: release-42\n";
        _script = [Unavailable("1"), Existing()];
        using var mflow = NewCli();

        var result = await mflow.RunAsync(["run", "start", "-f", "-"], null, request);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal($"Run {RunId} exists already (same idempotency key).", result.Lines[0]);
        var tries = Requests();
        Assert.Equal(2, tries.Count);
        Assert.All(tries, r => Assert.Null(r.IdempotencyKey));
        Assert.All(tries, r => Assert.Equal(request, r.Body));
    }

    [Fact]
    public async Task Should_read_again_after_a_429_that_names_a_date()
    {
        _script = [new(429, """{"title":"Too many requests.","status":429}""", DateTimeOffset.UtcNow.AddSeconds(-10).ToString("R")), new(200, "[]", null)];
        using var mflow = NewCli();

        var result = await mflow.RunAsync("run", "list");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("The server is busy (429: Too many requests.); trying again in 0 s.", result.Stderr);
        Assert.Equal(["GET /api/v1/runs?limit=50", "GET /api/v1/runs?limit=50"], Requests().Select(r => r.Line));
    }

    [Fact]
    public async Task Should_report_at_once_a_refusal_that_asks_for_a_longer_wait_than_it_would_take()
    {
        _script = [Unavailable("120"), Created()];
        using var mflow = NewCli();

        var result = await mflow.RunAsync(["run", "start", "-f", "-"], null, Pipeline);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("Error: The database is unavailable. (HTTP 503, POST /api/v1/runs)", result.Stderr);
        Assert.DoesNotContain("trying again", result.Stderr);
        Assert.Single(Requests());
    }

    [Fact]
    public async Task Should_repeat_a_resume_which_the_server_never_does_twice_without_a_key()
    {
        _script = [Unavailable("0"), new(202, $$"""{"id":"{{RunId}}","state":"Running"}""", null)];
        using var mflow = NewCli();

        var result = await mflow.RunAsync("run", "resume", RunId.ToString());

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal($"Run {RunId} is Running.", result.Lines[0]);
        var tries = Requests();
        Assert.Equal([$"POST /api/v1/runs/{RunId}/resume", $"POST /api/v1/runs/{RunId}/resume"], tries.Select(r => r.Line));
        Assert.All(tries, r => Assert.Null(r.IdempotencyKey));
    }

    [Fact]
    public async Task Should_refuse_a_document_nested_deeper_than_the_api_takes_before_sending_it()
    {
        var deep = "name: deep\nstages:\n  - name: build\n    tasks:\n      - name: compile\n        kind: build\n        params:\n          X: " + new string('[', 5000) + new string(']', 5000) + "\n";
        _script = [Created()];
        using var mflow = NewCli();

        var result = await mflow.RunAsync(["run", "start", "-f", "-", "-p", "A=1"], null, deep);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("nests deeper than 32 levels", result.Stderr);
        Assert.Empty(Requests());
    }

    [Fact]
    public async Task Should_refuse_a_document_on_standard_input_larger_than_the_api_takes()
    {
        _script = [Created()];
        using var mflow = NewCli();

        var result = await mflow.RunAsync(["run", "start", "-f", "-"], null, Pipeline + "# " + new string('x', 1024 * 1024) + "\n");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("larger than 1048576 bytes", result.Stderr);
        Assert.Empty(Requests());
    }

    static Answer Unavailable(string retryAfter) => new(503, Busy, retryAfter);

    static Answer Created() => new(201, $$"""{"id":"{{RunId}}","created":true,"location":"/api/v1/runs/{{RunId}}"}""", null);

    static Answer Existing() => new(200, $$"""{"id":"{{RunId}}","created":false,"location":"/api/v1/runs/{{RunId}}"}""", null);

    List<Request> Requests()
    {
        lock (_requests)
            return [.. _requests];
    }

    protected override async Task AnswerAsync(HttpListenerContext context)
    {
        using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        Answer answer;
        lock (_requests)
        {
            _requests.Add(new Request($"{context.Request.HttpMethod} {context.Request.Url!.PathAndQuery}", context.Request.Headers["Idempotency-Key"], body));
            answer = _script[Math.Min(_requests.Count, _script.Length) - 1];
        }

        var response = context.Response;
        response.StatusCode = answer.Status;
        response.ContentType = answer.Status >= 400 ? "application/problem+json" : "application/json";
        if (answer.RetryAfter is { } wait)
            response.Headers["Retry-After"] = wait;
        var bytes = Encoding.UTF8.GetBytes(answer.Body);
        await response.OutputStream.WriteAsync(bytes);
        response.Close();
    }

    sealed record Answer(int Status, string Body, string? RetryAfter);

    sealed record Request(string Line, string? IdempotencyKey, string Body);
}
