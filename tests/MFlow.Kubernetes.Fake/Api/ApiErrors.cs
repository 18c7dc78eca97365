using System.Text.Json.Nodes;
using MFlow.Kubernetes.Fake.Validation;

namespace MFlow.Kubernetes.Fake.Api;

/// <summary>The apiserver's Status errors, with its reasons and message wording.</summary>
internal static class ApiErrors
{
    public static ApiException NotFound(ResourceType type, string name) =>
        Failure(404, "NotFound", $"{type.QualifiedResource} \"{name}\" not found", Details(type, name));

    public static ApiException AlreadyExists(ResourceType type, string name) =>
        Failure(409, "AlreadyExists", $"{type.QualifiedResource} \"{name}\" already exists", Details(type, name));

    public static ApiException Conflict(ResourceType type, string name, string why) =>
        Failure(409, "Conflict", $"Operation cannot be fulfilled on {type.QualifiedResource} \"{name}\": {why}", Details(type, name));

    public static ApiException Modified(ResourceType type, string name) =>
        Conflict(type, name, "the object has been modified; please apply your changes to the latest version and try again");

    public static ApiException Invalid(ResourceType type, string name, IReadOnlyList<FieldError> errors) =>
        Invalid(type.Group, type.Kind, type.QualifiedKind, name, errors);

    /// <summary>Request options the apiserver refuses (an unsupported fieldValidation of a CreateOptions).</summary>
    public static ApiException InvalidOptions(string optionsKind, FieldError error) =>
        Invalid("meta.k8s.io", optionsKind, $"{optionsKind}.meta.k8s.io", "", [error]);

    private static ApiException Invalid(string group, string kind, string qualifiedKind, string name, IReadOnlyList<FieldError> errors)
    {
        var unique = errors.DistinctBy(error => error.Message).ToList();
        var aggregate = unique.Count == 1 ? unique[0].Message : $"[{string.Join(", ", unique.Select(error => error.Message))}]";
        var causes = new JsonArray();
        foreach (var error in unique)
        {
            causes.Add(new JsonObject { ["reason"] = error.Reason, ["message"] = error.Body, ["field"] = error.Field });
        }

        var details = new JsonObject { ["name"] = name };
        if (group.Length > 0)
        {
            details["group"] = group;
        }

        details["kind"] = kind;
        details["causes"] = causes;
        return Failure(422, "Invalid", $"{qualifiedKind} \"{name}\" is invalid: {aggregate}", details);
    }

    public static ApiException BadRequest(string message) => Failure(400, "BadRequest", message);

    /// <summary>A body that does not decode into the kind's Go types.</summary>
    public static ApiException CannotDecode(ResourceType type, string why) =>
        BadRequest($"{type.Kind} in version \"{type.Version}\" cannot be handled as a {type.Kind}: {why}");

    public static ApiException Unauthorized() => Failure(401, "Unauthorized", "Unauthorized");

    public static ApiException Forbidden(AccessRequest request, ResourceType? type)
    {
        string message;
        JsonObject? details = null;
        if (request.Resource is null)
        {
            message = $"forbidden: User \"{request.User}\" cannot {request.Verb} path \"{request.Path}\"";
        }
        else
        {
            var resource = request.Subresource is null ? request.Resource : $"{request.Resource}/{request.Subresource}";
            var subject = type?.QualifiedResource ?? request.Resource;
            var scope = request.Namespace is null ? "at the cluster scope" : $"in the namespace \"{request.Namespace}\"";
            message = (request.Name is null ? subject : $"{subject} \"{request.Name}\"")
                + $" is forbidden: User \"{request.User}\" cannot {request.Verb} resource \"{resource}\" in API group \"{request.Group}\" {scope}";
            details = new JsonObject();
            if (request.Name is not null)
            {
                details["name"] = request.Name;
            }

            if (request.Group.Length > 0)
            {
                details["group"] = request.Group;
            }

            details["kind"] = request.Resource;
        }

        return Failure(403, "Forbidden", message, details);
    }

    /// <summary>A resourceVersion older than the kept history (410 Gone, reason Expired).</summary>
    public static ApiException Expired(long requested, long oldest) =>
        Failure(410, "Expired", $"too old resource version: {requested} ({oldest})");

    /// <summary>
    /// A resourceVersion the store has not reached within the apiserver's 3 s wait (storage.NewTooLargeResourceVersionError):
    /// 504 Timeout, cause ResourceVersionTooLarge, retry after 1 s.
    /// </summary>
    public static ApiException TooLargeResourceVersion(long requested, long current) =>
        new(
            504,
            StatusObject(504, "Timeout", $"Timeout: Too large resource version: {requested}, current: {current}", new JsonObject
            {
                ["causes"] = new JsonArray(new JsonObject { ["reason"] = "ResourceVersionTooLarge", ["message"] = "Too large resource version" }),
                ["retryAfterSeconds"] = 1,
            }),
            TimeSpan.FromSeconds(1));

    public static ApiException PathNotFound() =>
        Failure(404, "NotFound", "the server could not find the requested resource", new JsonObject());

    public static ApiException MethodNotAllowed() =>
        Failure(405, "MethodNotAllowed", "the server does not allow this method on the requested resource", new JsonObject());

    public static ApiException UnsupportedMediaType(IEnumerable<string> accepted) =>
        Failure(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: {string.Join(", ", accepted)}", new JsonObject());

    /// <summary>The answer of an injected fault, shaped like the real server's for that code.</summary>
    public static ApiException Fault(int code, TimeSpan? retryAfter)
    {
        var (reason, message) = code switch
        {
            429 => ("TooManyRequests", "Too many requests, please try again later."),
            500 => ("InternalError", "Internal error occurred: injected fault"),
            503 => ("ServiceUnavailable", "The server is currently unable to handle the request"),
            504 => ("Timeout", "The server was unable to return a response in the time allotted, but may still be processing the request"),
            409 => ("Conflict", "Operation cannot be fulfilled: injected fault"),
            _ => ("", $"injected fault ({code})"),
        };
        JsonObject? details = null;
        if (retryAfter is { } delay)
        {
            details = new JsonObject { ["retryAfterSeconds"] = RetryAfterSeconds(delay) };
        }

        var status = StatusObject(code, reason, message, details);
        return new ApiException(code, status, retryAfter);
    }

    public static int RetryAfterSeconds(TimeSpan delay) => (int)Math.Ceiling(Math.Max(0, delay.TotalSeconds));

    /// <summary>The Status a successful immediate DELETE answers with.</summary>
    public static JsonObject DeleteSuccess(ResourceType type, string name, string uid)
    {
        var details = Details(type, name);
        details["uid"] = uid;
        return new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Success",
            ["details"] = details,
        };
    }

    public static JsonObject StatusObject(int code, string reason, string message, JsonObject? details = null)
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
        };
        if (reason.Length > 0)
        {
            status["reason"] = reason;
        }

        if (details is not null)
        {
            status["details"] = details;
        }

        status["code"] = code;
        return status;
    }

    private static ApiException Failure(int code, string reason, string message, JsonObject? details = null) =>
        new(code, StatusObject(code, reason, message, details));

    private static JsonObject Details(ResourceType type, string name)
    {
        var details = new JsonObject { ["name"] = name };
        if (type.Group.Length > 0)
        {
            details["group"] = type.Group;
        }

        details["kind"] = type.Plural;
        return details;
    }
}
