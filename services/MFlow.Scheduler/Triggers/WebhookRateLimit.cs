using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Threading.RateLimiting;
using MFlow.ServiceDefaults;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace MFlow.Scheduler.Triggers;

/// <summary>How many webhook deliveries one client address may send, bound from "MFlow:Triggers:WebhookRateLimit".</summary>
public sealed class WebhookRateLimitOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "MFlow:Triggers:WebhookRateLimit";

    /// <summary>Deliveries one client address may send per <see cref="Window"/> (default 600: ten a second, more than a busy Git server sends).</summary>
    [Range(1, 1_000_000, ErrorMessage = "MFlow:Triggers:WebhookRateLimit:PermitLimit must be between {1} and {2}.")]
    public int PermitLimit { get; set; } = 600;

    /// <summary>The window the limit counts in.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "MFlow:Triggers:WebhookRateLimit:Window must be between {1} and {2}.")]
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>
/// The webhook route is anonymous (the Git server signs instead of sending an API key): a client that
/// guesses trigger names or secrets gets 429 with Retry-After once it sent more than its share, per
/// client address (ASP.NET Core's fixed-window rate limiter).
/// </summary>
public static class WebhookRateLimit
{
    /// <summary>The rate-limiting policy of <c>POST /api/v1/triggers/{name}</c>.</summary>
    public const string Policy = "git-webhooks";

    /// <summary>Adds the settings (validated) and the policy.</summary>
    public static IHostApplicationBuilder AddWebhookRateLimit(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<WebhookRateLimitOptions>(WebhookRateLimitOptions.Section);
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(Policy, context =>
            {
                var options = context.RequestServices.GetRequiredService<IOptions<WebhookRateLimitOptions>>().Value;
                return RateLimitPartition.GetFixedWindowLimiter(
                    context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                    _ => new FixedWindowRateLimiterOptions { PermitLimit = options.PermitLimit, Window = options.Window, QueueLimit = 0, AutoReplenishment = true });
            });
            limiter.OnRejected = async (rejected, cancellationToken) =>
            {
                var options = rejected.HttpContext.RequestServices.GetRequiredService<IOptions<WebhookRateLimitOptions>>().Value;
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : options.Window;
                var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
                rejected.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                await Results.Problem(
                    statusCode: StatusCodes.Status429TooManyRequests,
                    title: "Too many webhook deliveries from this address.",
                    detail: $"At most {options.PermitLimit} per {options.Window.TotalSeconds:0.###} s (MFlow:Triggers:WebhookRateLimit); try again in {seconds} s.")
                    .ExecuteAsync(rejected.HttpContext);
            };
        });
        return builder;
    }
}
