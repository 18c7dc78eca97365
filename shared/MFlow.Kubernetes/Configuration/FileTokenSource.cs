namespace MFlow.Kubernetes.Configuration;

/// <summary>
/// A token read from a file (service account token, kubeconfig <c>tokenFile</c>). Projected
/// service account tokens are bound and rotated by the kubelet (by default hourly), so the file
/// is re-read at most every <see cref="RefreshInterval"/> and at once when the server answers 401.
/// </summary>
internal sealed class FileTokenSource : ITokenSource
{
    /// <summary>How long a read token is used before the file is read again.</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromMinutes(1);

    private readonly string _path;
    private readonly TimeProvider _timeProvider;
    private readonly Lock _lock = new();
    private string _token;
    private DateTimeOffset _readAt;

    public FileTokenSource(string path, TimeProvider timeProvider)
    {
        _path = path;
        _timeProvider = timeProvider;

        // Read eagerly so a missing or empty file fails at configuration time, not on the first request.
        try
        {
            _token = ReadToken(path) ?? throw new KubernetesConfigurationException($"Token file '{path}' is empty.");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new KubernetesConfigurationException($"Cannot read token file '{path}': {ex.Message}", ex);
        }

        _readAt = timeProvider.GetUtcNow();
    }

    public string Description => "token-file";

    public string GetToken()
    {
        lock (_lock)
        {
            if (_timeProvider.GetUtcNow() - _readAt >= RefreshInterval)
            {
                Reload();
            }

            return _token;
        }
    }

    public bool Refresh()
    {
        lock (_lock)
        {
            var previous = _token;
            Reload();
            return !string.Equals(previous, _token, StringComparison.Ordinal);
        }
    }

    public override string ToString() => $"{Description} {_path}";

    private void Reload()
    {
        // The kubelet swaps the file through a symlink; a read that fails or sees an empty file
        // mid-swap keeps the previous token rather than failing the request.
        _readAt = _timeProvider.GetUtcNow();
        try
        {
            if (ReadToken(_path) is { } token)
            {
                _token = token;
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static string? ReadToken(string path)
    {
        var text = File.ReadAllText(path).Trim();
        return text.Length > 0 ? text : null;
    }
}
