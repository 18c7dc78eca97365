using MFlow.Scheduler.Extensions;
using MFlow.Scheduler.Security;
using MFlow.ServiceDefaults;

namespace MFlow.Standalone.Commands;

/// <summary><c>serve</c>: the HTTP API with every service in this process.</summary>
public static class ServeCommand
{
    /// <summary>Serves until interrupted.</summary>
    public static async Task<int> ExecuteAsync(string urls, FileInfo database, CancellationToken cancellationToken)
    {
        database.Directory?.Create();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = Directory.GetCurrentDirectory() });
        builder.Configuration.AddInMemoryCollection(EmbeddedHost.Defaults(database.FullName))
            .AddInMemoryCollection(new Dictionary<string, string?> { ["MFlow:Worker:ApiUrl"] = urls.Split(';')[0] })
            .AddEnvironmentVariables();
        builder.Configuration["Logging:LogLevel:Default"] = "Information";
        builder.WebHost.UseUrls(urls);
        builder.AddEmbeddedServices();
        builder.Services.AddProblemDetails();

        var app = builder.Build();
        app.UseExceptionHandler();
        app.MapDefaultEndpoints();
        app.MapSchedulerApi();
        await app.StartAsync(cancellationToken);

        // First start: an admin key, printed this once (only its hash is kept).
        var keys = app.Services.GetRequiredService<ApiKeyStore>();
        if (!await keys.AnyAsync(cancellationToken))
        {
            var (_, secret) = await keys.CreateAsync("admin", ApiRoles.Admin, "mflow serve", cancellationToken);
            System.Console.WriteLine($"Created the first API key (admin). It is shown this once; keep it: {secret}");
            System.Console.WriteLine($"  curl -H 'Authorization: Bearer {secret}' {urls.Split(';')[0]}/api/v1/runs");
        }

        await app.WaitForShutdownAsync(cancellationToken);
        return 0;
    }
}
