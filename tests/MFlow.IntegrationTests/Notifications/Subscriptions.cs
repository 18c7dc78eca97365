using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MFlow.IntegrationTests.Support;
using MFlow.Notifications;
using MFlow.Testing;

namespace MFlow.IntegrationTests.Notifications;

/// <summary>What the notification tests share: the API calls a user makes, and a receiver's checks.</summary>
public static class Subscriptions
{
    /// <summary>How the API's JSON is read.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>How long a delivery may take once its run ended (a retry or two included).</summary>
    public static readonly TimeSpan DeliveryTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Creates a subscription and returns its id; fails unless the API created it.</summary>
    public static async Task<Guid> CreateAsync(HttpClient api, object subscription)
    {
        using var response = await api.PostAsJsonAsync("/api/v1/subscriptions", subscription, Json);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"POST /api/v1/subscriptions answered {(int)response.StatusCode}: {body}");
        return JsonSerializer.Deserialize<SubscriptionView>(body, Json)!.Id;
    }

    /// <summary>GET /api/v1/subscriptions/{id}/deliveries.</summary>
    public static async Task<IReadOnlyList<DeliveryView>> DeliveriesAsync(HttpClient api, Guid subscriptionId)
    {
        using var response = await api.GetAsync($"/api/v1/subscriptions/{subscriptionId}/deliveries");
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<List<DeliveryView>>(Json))!;
    }

    /// <summary>Waits until the subscription's delivery log shows a delivery matching <paramref name="done"/>.</summary>
    public static Task<IReadOnlyList<DeliveryView>> WaitForLogAsync(HttpClient api, Guid subscriptionId, Func<DeliveryView, bool> done, string description) =>
        Eventually.UntilAsync(() => DeliveriesAsync(api, subscriptionId), log => log.Any(done), DeliveryTimeout, description);

    /// <summary>A run request wrapping a pipeline document, with its trigger and who triggered it.</summary>
    public static string RunRequest(string pipelineDocument, string trigger, string triggeredBy, string idempotencyKey) =>
        new JsonObject
        {
            ["pipeline"] = JsonNode.Parse(pipelineDocument),
            ["trigger"] = trigger,
            ["triggeredBy"] = triggeredBy,
            ["idempotencyKey"] = idempotencyKey,
        }.ToJsonString();

    /// <summary>A pipeline name no other test uses.</summary>
    public static string UniquePipeline(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>What a receiver computes to check X-MFlow-Signature-256: sha256= and the hex HMAC-SHA256 of "timestamp.body".</summary>
    public static string ExpectedSignature(string secret, string timestamp, string body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{body}")));
}
