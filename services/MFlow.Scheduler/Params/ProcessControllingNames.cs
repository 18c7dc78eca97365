using MFlow.Contracts;

namespace MFlow.Scheduler.Params;

/// <summary>
/// Environment variable names that change how a process behaves rather than what it works on: the
/// dynamic loader (LD_PRELOAD), the shell (PATH, ENV, BASH_ENV), interpreters (PYTHON*, PERL5OPT,
/// NODE_OPTIONS), tools' configuration and credentials (GIT_*, SSH_*, KUBECONFIG, DOCKER_CONFIG,
/// ANSIBLE_*), proxies and CA bundles, and MFlow's own TASKS_*_OUTPUTS_* variables. A param with
/// such a name could make an admin-published job run code of the caller's choice, so it is refused
/// unless the job declares it (then it is the job's documented input, checked like any other).
/// Names are compared ignoring case: curl honours http_proxy as well as HTTP_PROXY.
/// </summary>
public static class ProcessControllingNames
{
    static readonly HashSet<string> Exact = new(StringComparer.OrdinalIgnoreCase)
    {
        // Shells
        "PATH", "ENV", "BASH_ENV", "SHELLOPTS", "BASHOPTS", "IFS", "PS4", "PROMPT_COMMAND", "CDPATH", "GLOBIGNORE",
        "HOME", "SHELL", "TMPDIR", "EDITOR", "VISUAL", "PAGER", "LESSOPEN", "LESSCLOSE",
        // The C library and the loader beyond LD_*
        "GCONV_PATH", "GLIBC_TUNABLES", "LOCPATH", "NLSPATH", "HOSTALIASES", "RESOLV_HOST_CONF", "LOCALDOMAIN", "RES_OPTIONS", "TZDIR",
        // Interpreters and runtimes
        "NODE_OPTIONS", "NODE_PATH", "NODE_EXTRA_CA_CERTS", "NODE_TLS_REJECT_UNAUTHORIZED", "JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "CLASSPATH",
        "GOFLAGS", "GOPROXY", "GOPATH", "GOROOT", "GOPRIVATE", "GONOSUMDB", "GONOSUMCHECK", "GOINSECURE", "GOTOOLCHAIN",
        // Trust and network
        "SSL_CERT_FILE", "SSL_CERT_DIR", "CURL_CA_BUNDLE", "REQUESTS_CA_BUNDLE", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "FTP_PROXY",
        // Credentials and tool configuration
        "KUBECONFIG", "REGISTRY_AUTH_FILE", "GNUPGHOME", "GOOGLE_APPLICATION_CREDENTIALS", "NETRC", "CURL_HOME", "WGETRC",
        "XDG_CONFIG_HOME", "XDG_CONFIG_DIRS", "XDG_DATA_HOME", "XDG_DATA_DIRS", "XDG_RUNTIME_DIR",
    };

    static readonly string[] Prefixes =
    [
        "LD_", "DYLD_", "PYTHON", "PERL5", "PERLLIB", "PERL_", "RUBYOPT", "RUBYLIB", "GEM_", "BUNDLE_", "NPM_CONFIG_",
        "GIT_", "SSH_", "DOCKER_", "CONTAINERS_", "BUILDAH_", "KUBERNETES_", "KUBECTL_", "HELM_", "ANSIBLE_",
        "AWS_", "AZURE_", "DOTNET_", "COMPLUS_", "CORECLR_", "MALLOC_", "CARGO_", "RUSTC", "MAVEN_", "GRADLE_",
        "TASKS_", // MFlow's own: earlier tasks' outputs (TASKS_<TASK>_OUTPUTS_<NAME>)
    ];

    /// <summary>
    /// The names of this kind an inline task without a container may set: its kind's built-in Job
    /// reads them as inputs (the env params the built-in job definitions in examples/jobs declare).
    /// </summary>
    public static readonly IReadOnlyDictionary<JobKind, IReadOnlySet<string>> BuiltinKindParams = new Dictionary<JobKind, IReadOnlySet<string>>
    {
        [JobKind.Build] = new HashSet<string>(StringComparer.Ordinal)
        {
            "GIT_URL", "GIT_REF", "GIT_COMMIT", "GIT_SSH_SECRET", "GIT_SSH_SECRET_KEY", "GIT_KNOWN_HOSTS_SECRET", "GIT_KNOWN_HOSTS_SECRET_KEY", "GIT_STRICT_HOST_KEY_CHECKING",
        },
        // Not KUBECONFIG: only a stored job's runner param (encrypted in the plan) may carry one.
        [JobKind.Deploy] = new HashSet<string>(StringComparer.Ordinal),
        [JobKind.Vm] = new HashSet<string>(StringComparer.Ordinal) { "SSH_SECRET", "SSH_SECRET_KEY", "SSH_USER" },
    };

    /// <summary>True when the name controls how a process or a tool behaves.</summary>
    public static bool Contains(string name) =>
        Exact.Contains(name) || Prefixes.Any(prefix => name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase));

    /// <summary>Why a name is refused, for error messages.</summary>
    public static string Why(string name) =>
        $"{name} changes how a job's processes run (loader, shell, interpreter, tool configuration or credentials, proxies, MFlow's TASKS_* variables)";
}
