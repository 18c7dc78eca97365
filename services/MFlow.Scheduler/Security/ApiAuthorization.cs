using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace MFlow.Scheduler.Security;

/// <summary>The API's access rules: one policy per role, answered as problem details.</summary>
public static class ApiAuthorization
{
    /// <summary>Adds API key authentication and the role policies.</summary>
    public static IServiceCollection AddApiAuthorization(this IServiceCollection services)
    {
        services.AddSingleton<ApiKeyStore>();
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorization(options =>
        {
            foreach (var role in ApiRoles.All)
                options.AddPolicy(role, policy => policy.RequireAuthenticatedUser().AddRequirements(new RoleAtLeast(role)));
        });
        services.AddSingleton<IAuthorizationHandler, RoleAtLeastHandler>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, ProblemResultHandler>();
        return services;
    }

    /// <summary>The name of the key making the request, for change records.</summary>
    public static string Actor(this ClaimsPrincipal user) => user.Identity?.Name ?? "anonymous";

    /// <summary>The role a request needs, as a requirement.</summary>
    public sealed record RoleAtLeast(string Role) : IAuthorizationRequirement;

    sealed class RoleAtLeastHandler : AuthorizationHandler<RoleAtLeast>
    {
        protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, RoleAtLeast requirement)
        {
            if (ApiRoles.Allows(context.User.FindFirst(ClaimTypes.Role)?.Value, requirement.Role))
                context.Succeed(requirement);
            return Task.CompletedTask;
        }
    }

    // 401 and 403 as problem details that say what is missing, never a bare status.
    sealed class ProblemResultHandler : IAuthorizationMiddlewareResultHandler
    {
        readonly AuthorizationMiddlewareResultHandler _default = new();

        public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult result)
        {
            if (result.Challenged)
            {
                var hadKey = ApiKeyAuthenticationHandler.BearerToken(context.Request) is not null;
                await Results.Problem(
                    statusCode: StatusCodes.Status401Unauthorized,
                    title: hadKey ? "The API key is not valid." : "An API key is required.",
                    detail: "Send an API key as 'Authorization: Bearer <key>'.").ExecuteAsync(context);
                return;
            }

            if (result.Forbidden)
            {
                var needed = policy.Requirements.OfType<RoleAtLeast>().Select(r => r.Role).FirstOrDefault() ?? "a higher role";
                var role = context.User.FindFirst(ClaimTypes.Role)?.Value ?? "none";
                await Results.Problem(
                    statusCode: StatusCodes.Status403Forbidden,
                    title: "Your API key may not do this.",
                    detail: $"This needs the '{needed}' role; the key '{context.User.Actor()}' has '{role}'.").ExecuteAsync(context);
                return;
            }

            await _default.HandleAsync(next, context, policy, result);
        }
    }
}
