using System.Text;
using System.Text.Json;
using MFlow.Standalone.Tests.Support;
using MFlow.Testing;

namespace MFlow.Standalone.Tests;

/// <summary>
/// GET /api/v1/runs/{id}/events and a task's log with follow=true on the embedded default (SQLite, the in-memory bus, one process):
/// the writers wake the streams themselves. The keepalive is set far beyond the test's time-out, so
/// only those wake-ups can deliver the changes in time.
/// </summary>
public sealed class When_a_served_runs_events_are_followed : IAsyncLifetime
{
    static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    readonly StandaloneServer _serve = new(
        "standalone-events", "standalone-events-admin-key-0123456789", new Dictionary<string, string?> { ["MFlow__Api__EventStreams__Keepalive"] = "00:05:00" });
    HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        await _serve.InitializeAsync();
        _client = _serve.Client(_serve.AdminKey);
    }

    public async Task DisposeAsync()
    {
        _client?.Dispose();
        await _serve.DisposeAsync();
    }

    [Fact]
    public async Task Should_stream_the_hello_run_to_its_end_as_it_happens()
    {
        var document = await File.ReadAllTextAsync(Repository.Example("hello.yaml").FullName);
        using var started = await _client.PostAsync("/api/v1/runs", new StringContent(document, Encoding.UTF8, "application/yaml"));
        var body = await started.Content.ReadAsStringAsync();
        Assert.True(started.IsSuccessStatusCode, body);
        var runId = JsonDocument.Parse(body).RootElement.GetProperty("id").GetGuid();

        // From the journal's start (Last-Event-ID 0): the whole run, however far it got before the stream opened.
        await using var stream = await RunEventClient.OpenAsync(_client, runId, lastEventId: 0);
        var events = await stream.ReadToEndAsync(Timeout);

        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Id));
        Assert.Equal(["Running", "Succeeded"], events.Where(e => e.Type == "run").Select(e => e.Text("state")));
        Assert.Equal(["build", "test", "deploy", "rollout"], events.Where(e => e.Type == "stage").Select(e => e.Text("stage")));
        Assert.Equal(
            ["compile", "deploy-staging", "lint", "unit-tests", "vm-rollout"],
            events.Where(e => e.Type == "task" && e.Text("state") == "Succeeded").Select(e => e.Text("task")).Order(StringComparer.Ordinal));

        // Once it ended, a new client gets the run's view and the end of the stream.
        await using var late = await RunEventClient.OpenAsync(_client, runId);
        var snapshot = Assert.Single(await late.ReadToEndAsync(Timeout));
        Assert.Equal(("snapshot", "Succeeded", events[^1].Id), (snapshot.Type, snapshot.Text("state"), snapshot.Id));
    }

    [Fact]
    public async Task Should_stream_a_running_tasks_log_as_it_is_written_and_end_with_the_task()
    {
        // The task goes on only when the test has seen its first line streamed (the local executor runs
        // sh on this host): no race with a sleep on a slow machine.
        var gate = Path.Combine(Directory.CreateTempSubdirectory("mflow-gate-").FullName, "go");
        var document = $$"""
            name: ticker
            stages:
              - name: work
                tasks:
                  - name: ticker
                    kind: build
                    container:
                      image: alpine:3.20
                      command: [sh, -c, "echo tick 1; while [ ! -e '{{gate}}' ]; do sleep 0.1; done; echo tick 2; sleep 0.2; echo tick 3; echo done"]
            """;
        using var started = await _client.PostAsync("/api/v1/runs", new StringContent(document, Encoding.UTF8, "application/yaml"));
        var runId = JsonDocument.Parse(await started.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();

        using var response = await _client.GetAsync($"/api/v1/runs/{runId}/tasks/ticker/log?follow=true", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var first = await reader.ReadLineAsync().WaitAsync(Timeout);
        Assert.Equal("[main] tick 1", first);
        // The first line came while the task still ran: it was streamed, not read from the stored log.
        using (var view = await _client.GetAsync($"/api/v1/runs/{runId}"))
            Assert.Equal("Running", JsonDocument.Parse(await view.Content.ReadAsStringAsync()).RootElement.GetProperty("state").GetString());
        await File.WriteAllTextAsync(gate, "");

        var rest = await reader.ReadToEndAsync().WaitAsync(Timeout);
        Assert.Equal("[main] tick 2\n[main] tick 3\n[main] done\n", rest);

        // Once the task ended, following serves its stored log and ends at once.
        await Eventually.UntilAsync(async () => (await _client.GetAsync($"/api/v1/runs/{runId}/tasks/ticker/log")).IsSuccessStatusCode, Timeout, "the log is stored");
        Assert.Equal("[main] tick 1\n" + rest, await _client.GetStringAsync($"/api/v1/runs/{runId}/tasks/ticker/log?follow=true"));
    }
}
