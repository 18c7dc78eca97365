using System.Net;
using System.Text;
using System.Text.Json;
using MFlow.Scheduler.Api;

namespace MFlow.IntegrationTests.Support;

/// <summary>
/// Starts runs through POST /api/v1/runs as a client that follows the API's contract: with an
/// Idempotency-Key, and, when the scheduler answers 503 (its database momentarily out of reach or
/// out of connections, on a machine running many clusters at once), the same request again after its
/// Retry-After. The key makes a repeat answer the run the first try may have created, never a second one.
/// </summary>
public static class RunSubmission
{
    private const int MaxTries = 4;
    private static readonly JsonSerializerOptions _json = new(JsonSerializerDefaults.Web);

    /// <summary>Returns the new run's id; fails unless the scheduler created it (<paramref name="context"/> is added to the failure).</summary>
    public static async Task<Guid> SubmitAsync(HttpClient api, string document, string contentType, Func<string> context)
    {
        // A run request with its own idempotencyKey keeps it (a header would win over it) and is
        // tried once: the test's text alone cannot prove that the key it names is the request's.
        var key = document.Contains("idempotencyKey", StringComparison.Ordinal) ? null : "it-" + Guid.NewGuid().ToString("N");
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/runs") { Content = new StringContent(document, Encoding.UTF8, contentType) };
            if (key is not null)
                request.Headers.Add("Idempotency-Key", key);
            using var response = await api.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable && key is not null && attempt < MaxTries)
            {
                await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(DatabaseUnavailableHandler.RetryAfterSeconds));
                continue;
            }

            // A repeat whose first try had created the run answers 200 with that run.
            var created = response.StatusCode == HttpStatusCode.Created || (attempt > 1 && response.StatusCode == HttpStatusCode.OK);
            Assert.True(created, $"POST /api/v1/runs answered {(int)response.StatusCode} (try {attempt}): {body}\n{context()}");
            return JsonSerializer.Deserialize<RunAccepted>(body, _json)!.Id;
        }
    }
}
