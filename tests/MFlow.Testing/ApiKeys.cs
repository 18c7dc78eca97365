using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Xunit;

namespace MFlow.Testing;

/// <summary>Clients of a served MFlow API and the API keys they send.</summary>
public static class ApiKeys
{
    /// <summary>A client of the API at <paramref name="baseAddress"/> sending <paramref name="key"/> as its bearer token (none when null).</summary>
    public static HttpClient Client(Uri baseAddress, string? key)
    {
        var client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (key is not null)
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    /// <summary>Creates an API key with POST /api/v1/keys as <paramref name="admin"/> and returns its secret.</summary>
    public static async Task<string> CreateAsync(HttpClient admin, string name, string role)
    {
        using var response = await admin.PostAsJsonAsync("/api/v1/keys", new { name, role });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"POST /api/v1/keys answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("secret").GetString()!;
    }
}
