using System.Diagnostics;
using System.Text;
using System.Text.Json;
using MFlow.Testing;
using Xunit.Abstractions;

namespace MFlow.Standalone.Tests.Hostile;

// Acceptance of issue 9: the hostile corpus (Hostile/hostile-requests.yaml, one case per entry, in
// order) against `MFlow.Standalone serve` running as its own process.
public sealed class When_hostile_requests_hit_the_api(HostileServer server, ITestOutputHelper output) : IClassFixture<HostileServer>
{
    /// <summary>How much more resident memory than idle the server may use while the corpus runs.</summary>
    const long MemoryCeilingBytes = 200L * 1024 * 1024;

    static readonly string CorpusFile = Path.Combine(AppContext.BaseDirectory, "Hostile", "hostile-requests.yaml");

    [Fact]
    public async Task Should_answer_each_with_a_problem_naming_the_field_or_limit_stay_up_within_its_memory_and_then_run_a_pipeline()
    {
        var cases = HostileCase.Load(CorpusFile);
        Assert.True(cases.Count >= 200, $"the corpus has {cases.Count} cases");
        Assert.Empty(cases.GroupBy(c => c.Name).Where(g => g.Count() > 1).Select(g => g.Key));
        Assert.Empty(cases.Where(c => c.Expect >= 400 && c.Names.Count == 0).Select(c => $"{c.Name}: a refusal must say what it names"));

        var failures = new List<string>();
        foreach (var @case in cases)
        {
            string? problem;
            try
            {
                var (status, contentType, body) = await server.SendAsync(@case);
                problem = Problem(@case, status, contentType, body);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or InvalidOperationException)
            {
                problem = $"no answer: {ex.GetBaseException().Message}";
            }

            server.Sample();
            Assert.False(server.Process.HasExited, $"the server exited after '{@case.Name}':\n{server.Process.OutputTail(80)}");
            if (problem is not null)
                failures.Add($"{@case.Family} / {@case.Name}: {problem}");
        }

        var peakOverIdle = server.PeakRssBytes - server.IdleRssBytes;
        output.WriteLine($"{cases.Count} hostile requests ({string.Join(", ", cases.GroupBy(c => c.Family).Select(g => $"{g.Count()} {g.Key}"))}); " +
            $"memory: idle {Mb(server.IdleRssBytes)}, peak {Mb(server.PeakRssBytes)} (+{Mb(peakOverIdle)}, ceiling +{Mb(MemoryCeilingBytes)})");
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases.Count} answers were not as expected:\n" + string.Join("\n", failures));
        Assert.True(peakOverIdle <= MemoryCeilingBytes, $"resident memory rose {Mb(peakOverIdle)} over idle ({Mb(server.IdleRssBytes)}); the ceiling is {Mb(MemoryCeilingBytes)}");

        // Afterwards, an ordinary run still goes through.
        var runId = await server.StartRunAsync("""
            name: after-the-corpus
            stages:
              - name: build
                tasks:
                  - name: compile
                    kind: build
                    container: {image: alpine:3.20, command: [sh, -c, "printf 'DONE=%s\\0' yes >> \"$_OUTPUT_FILE\""]}
            """);
        await Eventually.UntilAsync(() => server.RunStateAsync(runId), state => state is "Succeeded" or "Failed", TimeSpan.FromMinutes(2), "the run after the corpus ends");
        Assert.Equal("Succeeded", await server.RunStateAsync(runId));
    }

    [Fact]
    public async Task Should_keep_a_newline_a_param_brings_inside_the_output_a_job_echoes()
    {
        // greet@mflow.examples (examples/jobs/greet.yaml) writes its WHO param back as GREETED.
        const string forged = "world\nIMAGE=evil.example.com/backdoor:1";
        var runId = await server.StartRunAsync($$$"""
            name: forge
            stages:
              - name: greet
                tasks: [{name: greet, job: "greet@mflow.examples:v1", params: {WHO: {{{JsonSerializer.Serialize(forged)}}}}}]
            """);

        var run = await server.WaitUntilFinalAsync(runId);

        Assert.Equal("Succeeded", run.GetProperty("state").GetString());
        var outputs = run.GetProperty("stages")[0].GetProperty("tasks")[0].GetProperty("outputs");
        Assert.Equal(new Dictionary<string, string> { ["GREETED"] = forged }, outputs.Deserialize<Dictionary<string, string>>());
    }

    [Fact]
    public async Task Should_keep_a_sensitive_default_out_of_the_database_in_clear_and_give_it_to_the_task()
    {
        var marker = "sensitive-default-" + Guid.NewGuid().ToString("N");
        var name = "sealed-" + Guid.NewGuid().ToString("N")[..8];
        // The task proves it got the value without the definition or the output holding it.
        await server.PublishJobAsync($$$"""
            name: {{{name}}}
            namespace: corpus
            domain: ci
            version: v1
            kind: build
            params:
              - {name: API_TOKEN, sensitive: true, default: {{{marker}}}}
            template:
              container: {image: alpine:3.20, command: [sh, -c, 'printf "HASH=%s\0" "$(printf %s "$API_TOKEN" | sha256sum | cut -c1-64)" >> "$_OUTPUT_FILE"']}
            """);
        var runId = await server.StartRunAsync($"name: uses-sealed\nstages: [{{name: s, tasks: [{{name: t, job: \"{name}@corpus.ci:v1\"}}]}}]\n");

        var run = await server.WaitUntilFinalAsync(runId);

        Assert.Equal("Succeeded", run.GetProperty("state").GetString());
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(marker))),
            run.GetProperty("stages")[0].GetProperty("tasks")[0].GetProperty("outputs").GetProperty("HASH").GetString());
        Assert.DoesNotContain(marker, Encoding.UTF8.GetString(server.DatabaseBytes()));
        Assert.DoesNotContain(marker, await server.Clients["viewer"].GetStringAsync($"/api/v1/jobs/{name}@corpus.ci:v1"));
    }

    [Theory]
    [InlineData("/api/v1/runs")]
    [InlineData("/api/v1/jobs")]
    [InlineData("/api/v1/clusters")]
    public async Task Should_refuse_a_100000_deep_document_as_fast_as_a_flat_one_of_its_size(string route)
    {
        var deep = "name: n\ndescription: " + new string('[', 100_000) + new string(']', 100_000) + "\nstages: []\n";
        var flat = "name: n\ndescription: '" + new string('x', 200_000) + "'\nstages: []\n";
        var (deepBody, flatBody, type) = route == "/api/v1/clusters"
            ? (JsonSerializer.Serialize(new { id = "deep", kubeconfig = deep }), JsonSerializer.Serialize(new { id = "flat", kubeconfig = flat }), "application/json")
            : (deep, flat, "application/yaml");
        var field = route == "/api/v1/clusters" ? "kubeconfig" : "body";
        var client = server.Clients[route == "/api/v1/runs" ? "operator" : "admin"];

        // Warm both paths (the JIT compiles them in tiers), then time several of each: the figure is
        // the deep one against the flat one, measured in the same run.
        for (var i = 0; i < 10; i++)
        {
            await PostAsync(client, route, flatBody, type);
            await PostAsync(client, route, deepBody, type);
        }

        var deepTimes = new List<double>();
        var flatTimes = new List<double>();
        for (var i = 0; i < 7; i++)
        {
            var (deepStatus, deepText, deepMs) = await PostAsync(client, route, deepBody, type);
            Assert.Equal(400, deepStatus);
            Assert.Contains(field == "body" ? "\"body\":[\"The document nests deeper than" : "\"kubeconfig\":[\"Not a usable kubeconfig: The kubeconfig nests deeper than", deepText);
            deepTimes.Add(deepMs);
            var (flatStatus, _, flatMs) = await PostAsync(client, route, flatBody, type);
            Assert.Equal(400, flatStatus);
            flatTimes.Add(flatMs);
        }

        Assert.False(server.Process.HasExited);
        var (deepMedian, flatMedian) = (Median(deepTimes), Median(flatTimes));
        output.WriteLine($"{route}: 100,000-deep document refused 400 in {deepMedian:F1} ms (median of 7); a flat one of the same size in {flatMedian:F1} ms; ratio {deepMedian / flatMedian:F2}");
        // Proportional to what is read, not to the nesting: a recursive parser took 1.6 s for 10,000 levels and crashed at 100,000.
        Assert.True(deepMedian < 5 * flatMedian + 100, $"deep {deepMedian:F1} ms against flat {flatMedian:F1} ms");
    }

    static async Task<(int Status, string Body, double Milliseconds)> PostAsync(HttpClient client, string route, string body, string type)
    {
        var watch = Stopwatch.StartNew();
        using var response = await client.PostAsync(route, new StringContent(body, Encoding.UTF8, type));
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text, watch.Elapsed.TotalMilliseconds);
    }

    // What is wrong with an answer, or null.
    static string? Problem(HostileCase @case, int status, string? contentType, string body)
    {
        if (status != @case.Expect)
            return $"expected {@case.Expect}, got {status}: {Shorten(body)}";
        if (status < 400)
            return null;
        if (contentType != "application/problem+json")
            return $"{status} without problem details ({contentType ?? "no content type"}): {Shorten(body)}";

        string said;
        try
        {
            said = string.Join("\n", Strings(JsonDocument.Parse(body).RootElement));
        }
        catch (JsonException)
        {
            return $"the problem is not JSON: {Shorten(body)}";
        }

        var missing = @case.Names.Where(name => !said.Contains(name, StringComparison.Ordinal)).ToList();
        return missing.Count == 0 ? null : $"the problem does not name {string.Join(", ", missing.Select(m => $"'{m}'"))}: {Shorten(body)}";
    }

    // Every property name and string value of a JSON document.
    static IEnumerable<string> Strings(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().SelectMany(p => Strings(p.Value).Prepend(p.Name)),
        JsonValueKind.Array => element.EnumerateArray().SelectMany(Strings),
        JsonValueKind.String => [element.GetString()!],
        _ => [element.GetRawText()],
    };

    static string Shorten(string text) => text.Length > 400 ? text[..400] + "..." : text;

    static string Mb(long bytes) => $"{bytes / (1024.0 * 1024):F0} MB";

    static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
}
