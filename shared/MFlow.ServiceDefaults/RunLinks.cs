using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MFlow.ServiceDefaults;

/// <summary>Where people reach MFlow's API from outside, bound from "MFlow:Api": what links in events and notifications point at.</summary>
public sealed class PublicApiOptions : IValidatableObject
{
    /// <summary>The configuration section.</summary>
    public const string Section = "MFlow:Api";

    /// <summary>
    /// The API's address as a person's browser or a chat room reaches it (https://mflow.example.com),
    /// behind whatever ingress; unset, events carry no link.
    /// </summary>
    public string? PublicUrl { get; set; }

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (PublicUrl is not null && !(Uri.TryCreate(PublicUrl, UriKind.Absolute, out var url) && url.Scheme is "http" or "https" && url.Query.Length == 0))
            yield return new ValidationResult($"MFlow:Api:PublicUrl must be an absolute http(s) URL without a query, like https://mflow.example.com; it is '{PublicUrl}'.", [nameof(PublicUrl)]);
    }
}

/// <summary>Links to a run for people, from <see cref="PublicApiOptions.PublicUrl"/>.</summary>
public sealed class RunLinks(IOptions<PublicApiOptions> options)
{
    readonly string? _base = options.Value.PublicUrl?.TrimEnd('/');

    /// <summary>The run's address (the API's run resource), or null when no public URL is configured.</summary>
    public string? For(Guid runId) => _base is null ? null : $"{_base}/api/v1/runs/{runId}";
}

/// <summary>Registers <see cref="RunLinks"/>.</summary>
public static class RunLinksExtensions
{
    /// <summary>Adds <see cref="RunLinks"/> with its validated setting.</summary>
    public static IHostApplicationBuilder AddRunLinks(this IHostApplicationBuilder builder)
    {
        // Several services in one host (the embedded default) each ask for it.
        if (builder.Services.Any(service => service.ServiceType == typeof(RunLinks)))
            return builder;
        builder.AddValidatedOptions<PublicApiOptions>(PublicApiOptions.Section);
        builder.Services.AddSingleton<RunLinks>();
        return builder;
    }
}
