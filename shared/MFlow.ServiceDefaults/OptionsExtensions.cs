using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace MFlow.ServiceDefaults;

/// <summary>How every MFlow setting is bound: validated when the process starts, so a bad one stops it with a message naming it.</summary>
public static class OptionsExtensions
{
    /// <summary>
    /// Binds <typeparamref name="T"/> from <paramref name="section"/> (then <paramref name="complete"/>
    /// fills in what other keys imply) with its data annotations validated at start, and returns the
    /// same values bound now, for the few choices made while services are registered (which
    /// transport, which executor). Components read <c>IOptions&lt;T&gt;</c>.
    /// </summary>
    public static T AddValidatedOptions<T>(this IHostApplicationBuilder builder, string section, Action<T>? complete = null)
        where T : class, new()
    {
        complete ??= _ => { };
        builder.Services.AddOptions<T>()
            .Bind(builder.Configuration.GetSection(section))
            .PostConfigure(complete)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        var now = builder.Configuration.GetSection(section).Get<T>() ?? new T();
        complete(now);
        return now;
    }
}
