namespace MFlow.Scheduler.Security;

/// <summary>
/// The roles an API key can have, each allowing what the ones before it allow: a viewer reads; an
/// operator also starts, cancels and approves runs; an admin also manages definitions, clusters and keys.
/// </summary>
public static class ApiRoles
{
    /// <summary>Reads runs, definitions, clusters (never their kubeconfigs).</summary>
    public const string Viewer = "viewer";

    /// <summary>Also starts, cancels and approves runs.</summary>
    public const string Operator = "operator";

    /// <summary>Also manages definitions, clusters and API keys.</summary>
    public const string Admin = "admin";

    /// <summary>The roles, lowest first.</summary>
    public static readonly IReadOnlyList<string> All = [Viewer, Operator, Admin];

    /// <summary>True for a known role.</summary>
    public static bool IsRole(string? role) => role is not null && All.Contains(role);

    /// <summary>True when <paramref name="role"/> allows what <paramref name="needed"/> allows.</summary>
    public static bool Allows(string? role, string needed) =>
        IsRole(role) && All.ToList().IndexOf(role!) >= All.ToList().IndexOf(needed);
}
