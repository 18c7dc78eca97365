using MFlow.Scheduler.Extensions;
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
        builder.Configuration.AddInMemoryCollection(EmbeddedHost.Defaults(database.FullName)).AddEnvironmentVariables();
        builder.Configuration["Logging:LogLevel:Default"] = "Information";
        builder.WebHost.UseUrls(urls);
        builder.AddEmbeddedServices();
        builder.Services.AddProblemDetails();

        var app = builder.Build();
        app.UseExceptionHandler();
        app.MapDefaultEndpoints();
        app.MapSchedulerApi();
        await app.RunAsync(cancellationToken);
        return 0;
    }
}
