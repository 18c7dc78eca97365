using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MFlow.IntegrationTests.Definitions;
using MFlow.Notifications;

namespace MFlow.IntegrationTests.Notifications;

/// <summary>
/// On a scheduler as deployed (MFlow:Notifications:AllowPrivateNetworks and AllowInsecureHttp not set): what a subscription
/// must be, each refusal a 400 naming the field, and what a subscription shows once stored.
/// </summary>
[Collection(DefinitionsCollection.Name)]
public sealed class When_a_subscription_is_not_valid(DefinitionsCluster cluster)
{
    static object Valid(string? url = null, string? target = null, object? events = null, string? secret = "whsec-1") => new
    {
        name = DefinitionsCluster.Unique("sub"),
        target = target ?? "webhook",
        url = url ?? "https://93.184.215.14/hooks/mflow",
        secret,
        events = events ?? new[] { "run.failed" },
    };

    public static TheoryData<string, string, string> Refused => new()
    {
        { "ftp://hooks.example.com/mflow", "url", "is not an http or https URL" },
        { "file:///etc/passwd", "url", "is not an http or https URL" },
        { "https://127.0.0.1:8080/hook", "url", "127.0.0.1, a loopback address" },
        { "https://169.254.169.254/latest/meta-data", "url", "a link-local address (cloud metadata lives there), refused even where private networks are allowed" },
        { "https://10.1.2.3/hook", "url", "a private address" },
        { "https://192.168.1.10/hook", "url", "a private address" },
        { "https://[::1]/hook", "url", "a loopback address" },
        { "https://[::ffff:127.0.0.1]/hook", "url", "a loopback address" },
        { "https://localhost:9/hook", "url", "a loopback address" },
        { "http://93.184.215.14/hooks/mflow", "url", "The URL must be https" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task Should_refuse_a_url_that_is_not_https_or_reaches_a_private_network(string url, string field, string expected)
    {
        using var response = await cluster.Admin.PostAsJsonAsync("/api/v1/subscriptions", Valid(url), DefinitionsCluster.Json);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = await ApiProblem.ErrorsAsync(response);
        Assert.Contains(expected, Assert.Single(errors[field]));
        // The setting is named where it would help: not for link-local addresses, which it never opens.
        if (url.StartsWith("https:", StringComparison.Ordinal) && !url.Contains("localhost") && !url.Contains("169.254."))
            Assert.Contains("MFlow:Notifications:AllowPrivateNetworks", errors[field][0]);
        if (url.StartsWith("http:", StringComparison.Ordinal))
            Assert.Contains("MFlow:Notifications:AllowInsecureHttp", errors[field][0]);
    }

    [Fact]
    public async Task Should_refuse_an_unknown_event_naming_the_field()
    {
        using var response = await cluster.Admin.PostAsJsonAsync("/api/v1/subscriptions", Valid(events: new[] { "run.failed", "run.exploded" }), DefinitionsCluster.Json);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = Assert.Single((await ApiProblem.ErrorsAsync(response))["events"]);
        Assert.Contains("'run.exploded' is not an event", problem);
        Assert.Contains("task.failed", problem);
    }

    [Fact]
    public async Task Should_refuse_an_unknown_target_a_webhook_without_a_secret_and_a_secret_where_the_url_is_the_credential()
    {
        using (var response = await cluster.Admin.PostAsJsonAsync("/api/v1/subscriptions", Valid(target: "teams"), DefinitionsCluster.Json))
            Assert.Contains("'teams' is not a target", Assert.Single((await ApiProblem.ErrorsAsync(response))["target"]));
        using (var response = await cluster.Admin.PostAsJsonAsync("/api/v1/subscriptions", Valid(secret: null), DefinitionsCluster.Json))
            Assert.Contains("A webhook needs a secret", Assert.Single((await ApiProblem.ErrorsAsync(response))["secret"]));
        using (var response = await cluster.Admin.PostAsJsonAsync("/api/v1/subscriptions", Valid(target: "slack", secret: "x"), DefinitionsCluster.Json))
            Assert.Contains("takes no secret", Assert.Single((await ApiProblem.ErrorsAsync(response))["secret"]));
        using (var response = await cluster.Admin.PostAsync("/api/v1/subscriptions", new StringContent("{\"name\":\"x\",\"events\":\"run.failed\"}", System.Text.Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.True((await ApiProblem.ErrorsAsync(response)).ContainsKey("events"));
        }
    }

    [Fact]
    public async Task Should_never_show_a_secret_or_the_credential_in_a_chat_url()
    {
        const string Secret = "whsec-never-shown-4f1c2a";
        const string HookToken = "XXXXsecretHookToken0123456789";
        string body;
        Guid id;
        using (var created = await cluster.Admin.PostAsJsonAsync("/api/v1/subscriptions",
                   new { name = DefinitionsCluster.Unique("shown"), target = "feishu", url = $"https://93.184.215.14/open-apis/bot/v2/hook/{HookToken}", secret = Secret },
                   DefinitionsCluster.Json))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            body = await created.Content.ReadAsStringAsync();
            id = JsonDocument.Parse(body).RootElement.GetProperty("id").GetGuid();
        }

        body += await cluster.Viewer.GetStringAsync($"/api/v1/subscriptions/{id}") + await cluster.Viewer.GetStringAsync("/api/v1/subscriptions");
        Assert.DoesNotContain(Secret, body);
        Assert.DoesNotContain(HookToken, body);
        var view = JsonSerializer.Deserialize<SubscriptionView>(await cluster.Viewer.GetStringAsync($"/api/v1/subscriptions/{id}"), Subscriptions.Json)!;
        Assert.True(view.HasSecret);
        Assert.Equal("https://93.184.215.14/open-apis/bot/v2/hook/***", view.Url);
        Assert.Equal(NotificationEvents.All, view.Events);
    }
}
