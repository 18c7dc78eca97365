using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MFlow.IntegrationTests.Support;
using MFlow.Scheduler.Api;

namespace MFlow.IntegrationTests.Definitions;

/// <summary>
/// Issue 12, git triggers: GitHub and GitLab push and tag webhooks, verified with the trigger's secret,
/// start the stored pipeline it maps to with the git params, once per delivery.
/// </summary>
[Collection(DefinitionsCollection.Name)]
public sealed class When_a_git_server_calls_a_trigger(DefinitionsCluster cluster) : IAsyncLifetime
{
    const string Commit = "4f9a1c2e7b3d5a6f8e0c1b2a3d4e5f60718293a4";
    const string TagCommit = "0123456789abcdef0123456789abcdef01234567";
    static readonly JsonSerializerOptions _json = new(JsonSerializerDefaults.Web);

    readonly string _secret = DefinitionsCluster.RandomText(32);
    string _pipeline = "";
    string _repository = "";

    public async Task InitializeAsync()
    {
        var ns = DefinitionsCluster.Unique("git");
        _repository = $"acme/{ns}";
        // A job that declares every git param (GIT_* names reach only a job that declares them).
        await cluster.CreateJobAsync($$"""
            name: show
            namespace: {{ns}}
            domain: triggers
            version: v1
            kind: build
            params:
              - { name: GIT_URL, required: true }
              - { name: GIT_REF }
              - { name: GIT_BRANCH }
              - { name: GIT_TAG }
              - { name: GIT_COMMIT }
              - { name: APP_VERSION }
              - { name: IMAGE }
              - { name: CHANNEL, type: enum, options: [stable, beta], default: stable }
            template:
              container: { image: "busybox:1.36", command: ["true"] }
            """);
        _pipeline = $"release@{ns}.triggers";
        using var created = await cluster.Admin.PostAsync("/api/v1/pipelines", DefinitionsCluster.Yaml($$"""
            name: release
            namespace: {{ns}}
            domain: triggers
            version: v1
            stages:
              - name: build
                tasks:
                  - { name: show, job: "show@{{ns}}.triggers:latest" }
            """));
        var body = await created.Content.ReadAsStringAsync();
        Assert.True(created.StatusCode == HttpStatusCode.Created, $"POST /api/v1/pipelines answered {(int)created.StatusCode}: {body}");
        using var published = await cluster.Admin.PostAsync($"/api/v1/pipelines/{JsonNode.Parse(body)!["id"]}/publish", null);
        Assert.True(published.IsSuccessStatusCode, await published.Content.ReadAsStringAsync());
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Should_start_the_mapped_pipeline_with_the_git_params_once_per_delivery()
    {
        var name = await CreateTriggerAsync("github", branches: ["main", "release/*"]);
        var delivery = Guid.NewGuid().ToString();
        var payload = GitHubPush("refs/heads/main");

        using var response = await DeliverGitHubAsync(name, payload, delivery, Sign(payload, _secret));
        var answer = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"the webhook answered {(int)response.StatusCode}: {answer}\n{cluster.Scheduler.OutputTail()}");
        var runId = JsonNode.Parse(answer)!["runId"]!.GetValue<Guid>();

        var job = await cluster.WaitForTaskJobAsync(runId, "show");
        var env = When_params_are_checked_at_submission.Env(job);
        Assert.Equal($"https://github.com/{_repository}.git", env["GIT_URL"]);
        Assert.Equal("main", env["GIT_BRANCH"]);
        Assert.Equal("main", env["GIT_REF"]);
        Assert.Equal(Commit, env["GIT_COMMIT"]);
        Assert.Equal(Commit[..7], env["APP_VERSION"]);
        Assert.Equal("registry.example.com/shop", env["IMAGE"]);
        Assert.False(env.ContainsKey("GIT_TAG"));
        var (_, run) = await cluster.GetRunAsync(runId);
        Assert.Equal("octo-dev", run.TriggeredBy);
        Assert.Equal($"github push of main in {_repository}", run.Trigger);

        // GitHub redelivers: same delivery id, same run, nothing new started.
        using var again = await DeliverGitHubAsync(name, payload, delivery, Sign(payload, _secret));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(runId, (await again.Content.ReadFromJsonAsync<JsonObject>())!["runId"]!.GetValue<Guid>());
        var deliveries = await DeliveriesAsync(name);
        var recorded = Assert.Single(deliveries);
        Assert.Equal(("started", delivery, runId), (recorded["outcome"]!.GetValue<string>(), recorded["deliveryId"]!.GetValue<string>(), recorded["runId"]!.GetValue<Guid>()));

        await cluster.CompleteAsync(job);
        Assert.Equal("Succeeded", (await cluster.WaitForRunAsync(runId, r => Runs.IsFinal(r.State), "the triggered run ends")).State);
        await cluster.AssertNowhereInLogsOrEventsAsync("the trigger's secret", _secret);
    }

    [Fact]
    public async Task Should_refuse_a_wrong_or_missing_signature_with_401_and_start_nothing()
    {
        var name = await CreateTriggerAsync("github", branches: ["main"]);
        var payload = GitHubPush("refs/heads/main");

        using var wrong = await DeliverGitHubAsync(name, payload, Guid.NewGuid().ToString(), Sign(payload, "not-the-secret-at-all"));
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Contains("does not match the secret of a trigger of this name", (await ApiProblem.ReadAsync(wrong)).Detail, StringComparison.Ordinal);
        // Signed, then changed: the body is what is signed.
        using var tampered = await DeliverGitHubAsync(name, GitHubPush("refs/heads/main", repository: "evil/fork"), Guid.NewGuid().ToString(), Sign(payload, _secret));
        Assert.Equal(HttpStatusCode.Unauthorized, tampered.StatusCode);
        using var missing = await DeliverGitHubAsync(name, payload, Guid.NewGuid().ToString(), signature: null);
        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Contains("carries no X-Hub-Signature-256 (GitHub) or X-Gitlab-Token (GitLab) header", (await ApiProblem.ReadAsync(missing)).Detail, StringComparison.Ordinal);

        Assert.Empty(await DeliveriesAsync(name));
        Assert.Empty(await RunsOfTriggerAsync(name));
    }

    [Fact]
    public async Task Should_answer_an_unknown_trigger_exactly_as_a_known_one_with_a_wrong_secret()
    {
        var known = await CreateTriggerAsync("github", branches: ["main"]);
        var gitlab = await CreateTriggerAsync("gitlab", branches: ["main"]);
        var payload = GitHubPush("refs/heads/main");
        var signature = Sign(payload, "not-the-secret-at-all");

        // Whether a name exists cannot be told from the answer, whatever the provider or headers.
        foreach (var header in new[] { "X-Hub-Signature-256", "X-Gitlab-Token", null })
        {
            var answers = new List<string>();
            foreach (var trigger in new[] { known, gitlab, DefinitionsCluster.Unique("nobody") })
            {
                var headers = new Dictionary<string, string?> { ["X-GitHub-Event"] = "push", ["X-GitHub-Delivery"] = Guid.NewGuid().ToString() };
                if (header is not null)
                    headers[header] = signature;
                using var response = await DeliverAsync(trigger, payload, headers);
                var problem = await ApiProblem.ReadAsync(response);
                answers.Add($"{(int)response.StatusCode} {problem.Title} {problem.Detail}");
            }

            Assert.StartsWith("401 ", answers[0], StringComparison.Ordinal);
            Assert.Equal([answers[0], answers[0]], answers[1..]);
        }
    }

    [Fact]
    public async Task Should_answer_429_with_retry_after_to_an_address_that_sends_too_many_deliveries_and_let_it_in_again()
    {
        var payload = GitHubPush("refs/heads/main");
        // A burst of more guesses than the limit; on a slow machine one burst may straddle two of the
        // limit's windows and fit in both, so a few bursts are sent until one is limited.
        HttpResponseMessage[] responses = [];
        for (var burst = 1; burst <= 5; burst++)
        {
            foreach (var response in responses)
                response.Dispose();
            responses = await Task.WhenAll(Enumerable.Range(0, DefinitionsCluster.WebhookPermitLimit + 20)
                .Select(_ => DeliverGitHubAsync(DefinitionsCluster.Unique("guess"), payload, Guid.NewGuid().ToString(), Sign(payload, "guessed-secret-0123"))));
            if (responses.Any(r => r.StatusCode == HttpStatusCode.TooManyRequests))
                break;
        }

        try
        {
            var limited = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
            Assert.True(limited.Count > 0, $"none of 5 bursts of {responses.Length} deliveries from one address was limited: {string.Join(", ", responses.GroupBy(r => (int)r.StatusCode).Select(g => $"{g.Count()} x {g.Key}"))}");
            Assert.InRange(int.Parse(Assert.Single(limited[0].Headers.GetValues("Retry-After")), System.Globalization.CultureInfo.InvariantCulture), 1, 3);
            Assert.Contains("MFlow:Triggers:WebhookRateLimit", (await ApiProblem.ReadAsync(limited[0])).Detail, StringComparison.Ordinal);
            // Every other guess is refused as a wrong signature; anything else is named with its body.
            var others = new List<string>();
            foreach (var response in responses.Except(limited).Where(r => r.StatusCode != HttpStatusCode.Unauthorized))
                others.Add($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            Assert.True(others.Count == 0, $"{others.Count} of {responses.Length - limited.Count} guesses not limited were not answered 401: " +
                string.Join(" | ", others.GroupBy(o => o).Select(g => $"{g.Count()} x {g.Key}")));
        }
        finally
        {
            foreach (var response in responses)
                response.Dispose();
        }

        // Once its window passed, the address is heard again.
        await MFlow.Testing.Eventually.UntilAsync(async () =>
        {
            using var again = await DeliverGitHubAsync(DefinitionsCluster.Unique("guess"), payload, Guid.NewGuid().ToString(), Sign(payload, "guessed-secret-0123"));
            return again.StatusCode == HttpStatusCode.Unauthorized;
        }, TimeSpan.FromSeconds(20), "a delivery is answered 401 again, not 429");
    }

    [Fact]
    public async Task Should_try_a_failed_delivery_again_when_the_git_server_redelivers_it()
    {
        var name = await CreateTriggerAsync("github", branches: ["main"]);
        // A fixed param value the job refuses: the run does not start, the delivery is recorded as failed.
        using (var broken = await cluster.Admin.PutAsJsonAsync($"/api/v1/triggers/{name}", TriggerBody(name, "github", ["main"], [], "https", _pipeline, new() { ["CHANNEL"] = "nightly" })))
            Assert.Equal(HttpStatusCode.OK, broken.StatusCode);
        var delivery = Guid.NewGuid().ToString();
        var payload = GitHubPush("refs/heads/main");
        using (var failed = await DeliverGitHubAsync(name, payload, delivery, Sign(payload, _secret)))
            Assert.Equal(HttpStatusCode.BadRequest, failed.StatusCode);
        Assert.Equal("failed", Assert.Single(await DeliveriesAsync(name))["outcome"]!.GetValue<string>());

        // Fixed, then GitHub's "Redeliver": the same delivery id starts the run now, once.
        using (var fixedTrigger = await cluster.Admin.PutAsJsonAsync($"/api/v1/triggers/{name}", TriggerBody(name, "github", ["main"], [], "https", _pipeline)))
            Assert.Equal(HttpStatusCode.OK, fixedTrigger.StatusCode);
        using var started = await DeliverGitHubAsync(name, payload, delivery, Sign(payload, _secret));
        var answer = await started.Content.ReadAsStringAsync();
        Assert.True(started.StatusCode == HttpStatusCode.Created, $"the redelivery answered {(int)started.StatusCode}: {answer}");
        using var again = await DeliverGitHubAsync(name, payload, delivery, Sign(payload, _secret));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);

        var recorded = Assert.Single(await DeliveriesAsync(name));
        Assert.Equal("started", recorded["outcome"]!.GetValue<string>());
        Assert.Equal(JsonNode.Parse(answer)!["runId"]!.GetValue<Guid>(), recorded["runId"]!.GetValue<Guid>());
        Assert.Single(await RunsOfTriggerAsync(name));
    }

    [Fact]
    public async Task Should_refuse_a_param_that_looks_like_a_secret_naming_it()
    {
        var name = DefinitionsCluster.Unique("trigger");
        using var refused = await cluster.Admin.PostAsJsonAsync("/api/v1/triggers",
            TriggerBody(name, "github", ["main"], [], "https", _pipeline, new() { ["REGISTRY_PASSWORD"] = "hunter2-in-the-clear", ["DEPLOY_TOKEN"] = "t0ken-in-the-clear" }));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var body = await refused.Content.ReadAsStringAsync();
        var errors = await ApiProblem.ErrorsAsync(refused);
        Assert.Contains("sensitive param", errors["params.REGISTRY_PASSWORD"][0], StringComparison.Ordinal);
        Assert.True(errors.ContainsKey("params.DEPLOY_TOKEN"));
        Assert.DoesNotContain("hunter2-in-the-clear", body, StringComparison.Ordinal);
        using var missing = await cluster.Viewer.GetAsync($"/api/v1/triggers/{name}");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Should_start_nothing_for_a_branch_outside_the_filters_and_say_why()
    {
        var name = await CreateTriggerAsync("github", branches: ["main", "release/*"]);
        foreach (var (gitRef, reason) in new[]
        {
            ("refs/heads/feature/login", "Branch 'feature/login' matches none of the trigger's branch patterns (main, release/*)."),
            ("refs/heads/release/1.4/hotfix", "Branch 'release/1.4/hotfix' matches none of the trigger's branch patterns (main, release/*)."),
            ("refs/tags/v1.4.0", "Tag 'v1.4.0' matches none of the trigger's tag patterns (none)."),
        })
        {
            var payload = GitHubPush(gitRef);
            using var response = await DeliverGitHubAsync(name, payload, Guid.NewGuid().ToString(), Sign(payload, _secret));
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            var answer = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
            Assert.Equal("ignored", answer["outcome"]!.GetValue<string>());
            Assert.Equal(reason, answer["reason"]!.GetValue<string>());
        }

        var other = GitHubPush("refs/heads/main", repository: "acme/another");
        using var otherRepository = await DeliverGitHubAsync(name, other, Guid.NewGuid().ToString(), Sign(other, _secret));
        Assert.Equal(HttpStatusCode.Accepted, otherRepository.StatusCode);
        Assert.Contains("not to this trigger's repository", (await otherRepository.Content.ReadAsStringAsync()), StringComparison.Ordinal);

        Assert.Empty(await RunsOfTriggerAsync(name));
        Assert.Equal(4, (await DeliveriesAsync(name)).Count);
        Assert.All(await DeliveriesAsync(name), d => Assert.Equal("ignored", d["outcome"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Should_start_a_gitlab_tag_push_with_its_token_and_version()
    {
        var name = await CreateTriggerAsync("gitlab", tags: ["v*"], cloneUrl: "ssh");
        var payload = GitLabTagPush("refs/tags/v1.4.0");

        using var wrong = await DeliverGitLabAsync(name, payload, Guid.NewGuid().ToString(), "a-token-that-is-wrong");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);

        using var response = await DeliverGitLabAsync(name, payload, Guid.NewGuid().ToString(), _secret);
        var answer = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"the webhook answered {(int)response.StatusCode}: {answer}\n{cluster.Scheduler.OutputTail()}");
        var runId = JsonNode.Parse(answer)!["runId"]!.GetValue<Guid>();
        var env = When_params_are_checked_at_submission.Env(await cluster.WaitForTaskJobAsync(runId, "show"));
        Assert.Equal($"git@gitlab.example.com:{_repository}.git", env["GIT_URL"]);
        Assert.Equal("v1.4.0", env["GIT_TAG"]);
        Assert.Equal("v1.4.0", env["GIT_REF"]);
        Assert.Equal(TagCommit, env["GIT_COMMIT"]);
        Assert.Equal("1.4.0", env["APP_VERSION"]);
        Assert.False(env.ContainsKey("GIT_BRANCH"));
    }

    [Fact]
    public async Task Should_answer_bad_deliveries_and_bad_triggers_with_400_naming_the_field()
    {
        var name = await CreateTriggerAsync("github", branches: ["main"]);
        var payload = GitHubPush("refs/heads/main");
        using (var noDelivery = await DeliverGitHubAsync(name, payload, deliveryId: null, Sign(payload, _secret)))
            Assert.Contains("X-GitHub-Delivery", (await ApiProblem.ErrorsAsync(noDelivery)).Keys);
        var noRef = """{"after":"4f9a1c2e7b3d5a6f8e0c1b2a3d4e5f60718293a4","repository":{"full_name":"acme/x"}}""";
        using (var refless = await DeliverGitHubAsync(name, noRef, Guid.NewGuid().ToString(), Sign(noRef, _secret)))
            Assert.Contains("ref", (await ApiProblem.ErrorsAsync(refless)).Keys);
        // A name no Git server would send, matched by a catch-all pattern: refused before it reaches a Job.
        var everything = await CreateTriggerAsync("github", branches: ["**"]);
        var hostileBranch = GitHubPush("refs/heads/main $(curl evil)");
        using (var hostile = await DeliverGitHubAsync(everything, hostileBranch, Guid.NewGuid().ToString(), Sign(hostileBranch, _secret)))
            Assert.Contains("not a branch or tag name", (await ApiProblem.ErrorsAsync(hostile))["ref"][0], StringComparison.Ordinal);
        Assert.Empty(await RunsOfTriggerAsync(everything));

        // The trigger itself: every bad field named, the secret never echoed.
        using var invalid = await cluster.Admin.PostAsJsonAsync("/api/v1/triggers", new
        {
            name = "Not A Name",
            provider = "bitbucket",
            secret = "short",
            repository = "no-slash",
            pipeline = "nothing",
            branches = new[] { "bad branch" },
            @params = new Dictionary<string, string> { ["GIT_COMMIT"] = "x" },
            cloneUrl = "ftp",
        });
        var errors = await ApiProblem.ErrorsAsync(invalid);
        Assert.Equal(["branches[0]", "cloneUrl", "name", "params.GIT_COMMIT", "pipeline", "provider", "repository", "secret"], errors.Keys.Order(StringComparer.Ordinal));
        Assert.DoesNotContain("short", string.Join(" ", errors["secret"]), StringComparison.Ordinal);
        using var unpublished = await cluster.Admin.PostAsJsonAsync("/api/v1/triggers", TriggerBody(DefinitionsCluster.Unique("t"), "github", ["main"], [], "https", "missing@no.where"));
        Assert.Contains("has no published version", (await ApiProblem.ErrorsAsync(unpublished))["pipeline"][0], StringComparison.Ordinal);

        // Viewers read, never the secret; only admins change.
        using var read = await cluster.Viewer.GetAsync($"/api/v1/triggers/{name}");
        var shown = await read.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.DoesNotContain(_secret, shown, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", shown, StringComparison.OrdinalIgnoreCase);
        using var forbidden = await cluster.Operator.PostAsJsonAsync("/api/v1/triggers", TriggerBody(DefinitionsCluster.Unique("t"), "github", ["main"], [], "https", _pipeline));
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        // The server answers 413 from Content-Length and closes without reading the body: with
        // "Expect: 100-continue" the client waits for that answer instead of writing into a closed socket.
        using var tooLargeRequest = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/triggers/{name}")
        {
            Content = new ByteArrayContent(new byte[3 * 1024 * 1024]) { Headers = { ContentType = new("application/json") } },
            Headers = { ExpectContinue = true },
        };
        using var tooLarge = await cluster.Anonymous.SendAsync(tooLargeRequest);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
    }

    async Task<string> CreateTriggerAsync(string provider, string[]? branches = null, string[]? tags = null, string cloneUrl = "https")
    {
        var name = DefinitionsCluster.Unique("trigger");
        using var created = await cluster.Admin.PostAsJsonAsync("/api/v1/triggers", TriggerBody(name, provider, branches ?? [], tags ?? [], cloneUrl, _pipeline));
        var body = await created.Content.ReadAsStringAsync();
        Assert.True(created.StatusCode == HttpStatusCode.Created, $"POST /api/v1/triggers answered {(int)created.StatusCode}: {body}");
        Assert.DoesNotContain(_secret, body, StringComparison.Ordinal);
        return name;
    }

    object TriggerBody(string name, string provider, string[] branches, string[] tags, string cloneUrl, string pipeline, Dictionary<string, string>? fixedParams = null) => new Dictionary<string, object>
    {
        ["name"] = name,
        ["provider"] = provider,
        ["secret"] = _secret,
        ["repository"] = _repository,
        ["pipeline"] = pipeline,
        ["branches"] = branches,
        ["tags"] = tags,
        ["cloneUrl"] = cloneUrl,
        ["params"] = fixedParams ?? new Dictionary<string, string> { ["IMAGE"] = "registry.example.com/shop" },
    };

    string GitHubPush(string gitRef, string? repository = null)
    {
        var path = repository ?? _repository;
        return JsonSerializer.Serialize(new
        {
            @ref = gitRef,
            before = new string('0', 40),
            after = Commit,
            created = true,
            deleted = false,
            repository = new { full_name = path, clone_url = $"https://github.com/{path}.git", ssh_url = $"git@github.com:{path}.git" },
            pusher = new { name = "octo-dev", email = "octo@example.com" },
            head_commit = new { id = Commit, message = "Ship it" },
        });
    }

    string GitLabTagPush(string gitRef) => JsonSerializer.Serialize(new
    {
        object_kind = "tag_push",
        @ref = gitRef,
        before = new string('0', 40),
        after = "f00dfeedf00dfeedf00dfeedf00dfeedf00dfeed",
        checkout_sha = TagCommit,
        user_username = "tagger",
        project = new { path_with_namespace = _repository, git_http_url = $"https://gitlab.example.com/{_repository}.git", git_ssh_url = $"git@gitlab.example.com:{_repository}.git" },
    });

    static string Sign(string body, string secret) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(body)));

    Task<HttpResponseMessage> DeliverGitHubAsync(string trigger, string body, string? deliveryId, string? signature) =>
        DeliverAsync(trigger, body, new() { ["X-GitHub-Event"] = "push", ["X-GitHub-Delivery"] = deliveryId, ["X-Hub-Signature-256"] = signature });

    Task<HttpResponseMessage> DeliverGitLabAsync(string trigger, string body, string deliveryId, string token) =>
        DeliverAsync(trigger, body, new() { ["X-Gitlab-Event"] = "Tag Push Hook", ["X-Gitlab-Event-UUID"] = deliveryId, ["X-Gitlab-Token"] = token });

    // As the Git server sends it: no API key, its own headers.
    async Task<HttpResponseMessage> DeliverAsync(string trigger, string body, Dictionary<string, string?> headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/triggers/{trigger}") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        foreach (var (name, value) in headers.Where(h => h.Value is not null))
            request.Headers.Add(name, value);
        return await cluster.Anonymous.SendAsync(request);
    }

    async Task<List<JsonObject>> DeliveriesAsync(string trigger)
    {
        using var response = await cluster.Viewer.GetAsync($"/api/v1/triggers/{trigger}/deliveries");
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<List<JsonObject>>())!;
    }

    async Task<List<RunSummaryView>> RunsOfTriggerAsync(string trigger)
    {
        using var response = await cluster.Viewer.GetAsync("/api/v1/runs?limit=500");
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<List<RunSummaryView>>(_json))!
            .Where(r => r.IdempotencyKey?.StartsWith($"trigger:{trigger}:", StringComparison.Ordinal) == true).ToList();
    }
}
