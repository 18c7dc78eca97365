using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using MFlow.Kubernetes.Fake.Api;
using MFlow.Kubernetes.Fake.Controllers;
using MFlow.Kubernetes.Fake.Json;
using MFlow.Kubernetes.Fake.Resources;
using MFlow.Kubernetes.Fake.Store;
using MFlow.Kubernetes.Fake.Validation;
using Microsoft.AspNetCore.Http;

namespace MFlow.Kubernetes.Fake.Server;

/// <summary>create, get, list, update, patch, delete and deletecollection of any served resource.</summary>
internal sealed class ResourceEndpoints(ObjectStore store, GarbageCollector collector)
{
    private static readonly string[] _patchTypes =
        ["application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json"];

    public async Task CreateAsync(HttpContext context, ResourceType type, string @namespace, CancellationToken cancellationToken)
    {
        var fieldValidation = FieldValidation(context.Request, "CreateOptions");
        var body = await HttpIo.ReadObjectAsync(context.Request, type, cancellationToken);
        var obj = WithTypeMeta(type, body);
        DecodeBody(context, type, obj, fieldValidation);
        var metadata = Decode(type, () => TypedReader.Object(obj, "metadata", "metadata")) ?? [];
        obj["metadata"] = metadata;
        var objectNamespace = KubeJson.String(metadata["namespace"]);
        if (!string.IsNullOrEmpty(objectNamespace) && objectNamespace != @namespace)
        {
            throw ApiErrors.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        }

        if (!string.IsNullOrEmpty(KubeJson.String(metadata["resourceVersion"])))
        {
            throw ApiErrors.BadRequest("resourceVersion should not be set on objects to be created");
        }

        metadata["namespace"] = @namespace;
        var name = KubeJson.String(metadata["name"]) ?? "";
        if (name.Length == 0 && KubeJson.String(metadata["generateName"]) is { Length: > 0 } generateName)
        {
            name = GeneratedNames.From(generateName);
            metadata["name"] = name;
        }

        ApiPipeline.RecordObjectName(context, name);
        metadata["uid"] = Guid.NewGuid().ToString();
        metadata["creationTimestamp"] = KubeJson.Timestamp(DateTimeOffset.UtcNow);
        metadata.Remove("resourceVersion");
        metadata.Remove("deletionTimestamp");
        metadata.Remove("deletionGracePeriodSeconds");
        metadata.Remove("generation");
        metadata.Remove("managedFields");

        var errors = new List<FieldError>();
        Decode(type, () =>
        {
            type.Strategy.PrepareForCreate(obj);
            type.Strategy.Validate(obj, errors);
            return obj;
        });
        if (errors.Count > 0)
        {
            throw ApiErrors.Invalid(type, name, errors);
        }

        var created = IsDryRun(context.Request) ? obj : store.Create(type, obj);
        await HttpIo.WriteJsonAsync(context, StatusCodes.Status201Created, created, cancellationToken);
    }

    /// <summary>
    /// kube-apiserver's watch cache serves a read at resourceVersion N only once it has seen N: it waits up to
    /// 3 s (blockTimeout), then answers 504 "Too large resource version".
    /// </summary>
    internal static readonly TimeSpan FreshnessTimeout = TimeSpan.FromSeconds(3);

    public async Task GetAsync(HttpContext context, ResourceType type, string @namespace, string name, CancellationToken cancellationToken)
    {
        await WaitUntilFreshAsync(store, ParseResourceVersion(context.Request.Query["resourceVersion"]), cancellationToken);
        var obj = store.Get(type, @namespace, name) ?? throw ApiErrors.NotFound(type, name);
        await HttpIo.WriteJsonAsync(context, StatusCodes.Status200OK, obj, cancellationToken);
    }

    /// <summary>Waits for the store to reach a requested resourceVersion (0 or none: any); 504 TooLargeResourceVersion after <see cref="FreshnessTimeout"/>.</summary>
    internal static async Task WaitUntilFreshAsync(ObjectStore store, long? requested, CancellationToken cancellationToken)
    {
        if (requested is { } revision and > 0 && !await store.WaitForRevisionAsync(revision, FreshnessTimeout, cancellationToken))
        {
            throw ApiErrors.TooLargeResourceVersion(revision, store.CurrentRevision);
        }
    }

    public async Task ListAsync(HttpContext context, ResourceType type, string? @namespace, CancellationToken cancellationToken)
    {
        var query = context.Request.Query;
        var (labels, fields) = Selectors(type, query);
        var compacted = store.CompactedRevision;
        if (ParseResourceVersion(query["resourceVersion"]) is { } requested and > 0 && requested < compacted)
        {
            throw ApiErrors.Expired(requested, compacted);
        }

        await WaitUntilFreshAsync(store, ParseResourceVersion(query["resourceVersion"]), cancellationToken);

        var (items, revision) = store.List(type, @namespace, labels, fields);
        var page = Paginate(items, revision, query, compacted, out var continueToken, out var remaining);
        var list = new JsonArray();
        foreach (var item in page)
        {
            // Items of a list carry no kind/apiVersion, as the apiserver serializes them.
            item.Remove("apiVersion");
            item.Remove("kind");
            list.Add(item);
        }

        var listMetadata = new JsonObject { ["resourceVersion"] = revision.ToString(CultureInfo.InvariantCulture) };
        if (continueToken is not null)
        {
            listMetadata["continue"] = continueToken;
            listMetadata["remainingItemCount"] = remaining;
        }

        var response = new JsonObject
        {
            ["kind"] = type.ListKind,
            ["apiVersion"] = type.ApiVersion,
            ["metadata"] = listMetadata,
            ["items"] = list,
        };
        await HttpIo.WriteJsonAsync(context, StatusCodes.Status200OK, response, cancellationToken);
    }

    public async Task UpdateAsync(HttpContext context, ResourceType type, string @namespace, string name, CancellationToken cancellationToken)
    {
        var fieldValidation = FieldValidation(context.Request, "UpdateOptions");
        var body = WithTypeMeta(type, await HttpIo.ReadObjectAsync(context.Request, type, cancellationToken));
        DecodeBody(context, type, body, fieldValidation);
        var metadata = Decode(type, () => TypedReader.Object(body, "metadata", "metadata")) ?? [];
        body["metadata"] = metadata;
        CheckIdentity(metadata, @namespace, name);
        var expectedVersion = KubeJson.String(metadata["resourceVersion"]);
        var updated = Decode(type, () => store.Update(type, @namespace, name, current =>
        {
            if (!string.IsNullOrEmpty(expectedVersion) && expectedVersion != KubeJson.ResourceVersion(current))
            {
                throw ApiErrors.Modified(type, name);
            }

            return PrepareUpdate(type, KubeJson.Clone(body), current);
        }));
        await HttpIo.WriteJsonAsync(context, StatusCodes.Status200OK, updated, cancellationToken);
    }

    public async Task PatchAsync(HttpContext context, ResourceType type, string @namespace, string name, CancellationToken cancellationToken)
    {
        var mediaType = HttpIo.MediaType(context.Request);
        if (!_patchTypes.Contains(mediaType))
        {
            throw ApiErrors.UnsupportedMediaType(_patchTypes);
        }

        var fieldValidation = FieldValidation(context.Request, "PatchOptions");
        var patch = await HttpIo.ReadJsonAsync(context.Request, type.Kind, cancellationToken);
        IReadOnlyList<string> unknownFields = [];
        var updated = Decode(type, () => store.Update(type, @namespace, name, current =>
        {
            JsonObject patched;
            try
            {
                patched = (mediaType, patch) switch
                {
                    ("application/json-patch+json", JsonArray operations) => JsonPatch.Apply(current, operations),
                    ("application/merge-patch+json", JsonObject merge) => MergePatch.Apply(KubeJson.Clone(current), merge),
                    ("application/strategic-merge-patch+json", JsonObject merge) => StrategicMergePatch.Apply(type, current, merge),
                    _ => throw ApiErrors.BadRequest($"the body of a {mediaType} patch must be a JSON {(mediaType == "application/json-patch+json" ? "array" : "object")}"),
                };
            }
            catch (JsonPatchException error)
            {
                throw ApiErrors.BadRequest(error.Message);
            }

            // The patched object is decoded as a body would be; a strict error here is a plain
            // BadRequest, without the "cannot be handled as" prefix of a create or update.
            unknownFields = SchemaDecoder.Decode(patched, type.Model);
            if (unknownFields.Count > 0 && fieldValidation == "Strict")
            {
                throw ApiErrors.BadRequest(SchemaDecoder.StrictError(unknownFields));
            }

            var metadata = TypedReader.Object(patched, "metadata", "metadata") ?? [];
            patched["metadata"] = metadata;
            CheckIdentity(metadata, @namespace, name);

            // A resourceVersion in the patch is an optimistic-concurrency precondition.
            var expectedVersion = patch is JsonObject mergePatch ? KubeJson.String(mergePatch["metadata"]?["resourceVersion"]) : null;
            if (!string.IsNullOrEmpty(expectedVersion) && expectedVersion != KubeJson.ResourceVersion(current))
            {
                throw ApiErrors.Modified(type, name);
            }

            return PrepareUpdate(type, patched, current);
        }));
        WarnAbout(context, unknownFields, fieldValidation);
        await HttpIo.WriteJsonAsync(context, StatusCodes.Status200OK, updated, cancellationToken);
    }

    public async Task DeleteAsync(HttpContext context, ResourceType type, string @namespace, string name, CancellationToken cancellationToken)
    {
        var options = await DeleteOptions.ReadAsync(context.Request, cancellationToken);
        if (options.DryRun)
        {
            var existing = store.Get(type, @namespace, name) ?? throw ApiErrors.NotFound(type, name);
            options.CheckPreconditions(type, existing);
            await HttpIo.WriteJsonAsync(context, StatusCodes.Status200OK, existing, cancellationToken);
            return;
        }

        var response = Delete(type, @namespace, name, options);
        await HttpIo.WriteJsonAsync(context, StatusCodes.Status200OK, response, cancellationToken);
    }

    public async Task DeleteCollectionAsync(HttpContext context, ResourceType type, string? @namespace, CancellationToken cancellationToken)
    {
        var options = await DeleteOptions.ReadAsync(context.Request, cancellationToken);
        var (labels, fields) = Selectors(type, context.Request.Query);
        var (items, revision) = store.List(type, @namespace, labels, fields);
        var deleted = new JsonArray();
        foreach (var item in items)
        {
            try
            {
                if (!options.DryRun)
                {
                    Delete(type, KubeJson.Namespace(item) ?? "", KubeJson.Name(item) ?? "", options);
                }

                item.Remove("apiVersion");
                item.Remove("kind");
                deleted.Add(item);
            }
            catch (ApiException error) when (error.Code == 404)
            {
                // Deleted concurrently.
            }
        }

        var response = new JsonObject
        {
            ["kind"] = type.ListKind,
            ["apiVersion"] = type.ApiVersion,
            ["metadata"] = new JsonObject { ["resourceVersion"] = revision.ToString(CultureInfo.InvariantCulture) },
            ["items"] = deleted,
        };
        await HttpIo.WriteJsonAsync(context, StatusCodes.Status200OK, response, cancellationToken);
    }

    /// <summary>Parses labelSelector and fieldSelector, refusing fields the resource does not index.</summary>
    public static (LabelSelector Labels, FieldSelector Fields) Selectors(ResourceType type, IQueryCollection query)
    {
        LabelSelector labels;
        FieldSelector fields;
        try
        {
            labels = LabelSelector.Parse(query["labelSelector"]);
        }
        catch (FormatException error)
        {
            throw ApiErrors.BadRequest($"unable to parse requirement: {error.Message}");
        }

        try
        {
            fields = FieldSelector.Parse(query["fieldSelector"]);
        }
        catch (FormatException error)
        {
            throw ApiErrors.BadRequest(error.Message);
        }

        if (fields.Fields.FirstOrDefault(field => !type.SupportsField(field)) is { } unsupported)
        {
            throw ApiErrors.BadRequest($"field label not supported: {unsupported}");
        }

        return (labels, fields);
    }

    /// <summary>A resourceVersion query parameter: null when absent, 400 when not a number.</summary>
    public static long? ParseResourceVersion(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        return long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var revision)
            ? revision
            : throw ApiErrors.BadRequest($"resourceVersion: Invalid value: {FieldError.Quote(value)}: must be a valid resource version");
    }

    private JsonObject Delete(ResourceType type, string @namespace, string name, DeleteOptions options)
    {
        var propagation = options.Propagation;
        if (propagation == "Orphan")
        {
            var existing = store.Get(type, @namespace, name) ?? throw ApiErrors.NotFound(type, name);
            options.CheckPreconditions(type, existing);
            collector.OrphanDependents(KubeJson.Uid(existing) ?? "");
        }

        var (obj, deleted) = store.Delete(
            type,
            @namespace,
            name,
            current => options.CheckPreconditions(type, current),
            propagation == "Foreground" ? GarbageCollector.ForegroundFinalizer : null);
        if (!deleted || type.ReturnDeletedObject)
        {
            return obj;
        }

        return ApiErrors.DeleteSuccess(type, name, KubeJson.Uid(obj) ?? "");
    }

    /// <summary>
    /// Carries identity and server-owned fields over from the stored object, then defaults and validates
    /// the update. Runs under the store's lock, so it must stay pure.
    /// </summary>
    private static JsonObject PrepareUpdate(ResourceType type, JsonObject updated, JsonObject current)
    {
        var metadata = KubeJson.Metadata(updated);
        var currentMetadata = KubeJson.Metadata(current);
        foreach (var field in new[] { "name", "namespace", "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation" })
        {
            metadata[field] = currentMetadata[field]?.DeepClone();
            if (metadata[field] is null)
            {
                metadata.Remove(field);
            }
        }

        type.Strategy.PrepareForUpdate(updated, current);
        var errors = new List<FieldError>();
        type.Strategy.ValidateUpdate(updated, current, errors);
        if (errors.Count > 0)
        {
            throw ApiErrors.Invalid(type, KubeJson.Name(current) ?? "", errors);
        }

        return updated;
    }

    private static void CheckIdentity(JsonObject metadata, string @namespace, string name)
    {
        var objectName = KubeJson.String(metadata["name"]);
        if (string.IsNullOrEmpty(objectName))
        {
            metadata["name"] = name;
        }
        else if (objectName != name)
        {
            throw ApiErrors.BadRequest($"the name of the object ({objectName}) does not match the name on the URL ({name})");
        }

        var objectNamespace = KubeJson.String(metadata["namespace"]);
        if (!string.IsNullOrEmpty(objectNamespace) && objectNamespace != @namespace)
        {
            throw ApiErrors.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        }

        metadata["namespace"] = @namespace;
    }

    /// <summary>Checks apiVersion/kind (when given) and returns the object with them first, as the apiserver writes them.</summary>
    private static JsonObject WithTypeMeta(ResourceType type, JsonObject body)
    {
        var apiVersion = KubeJson.String(body["apiVersion"]);
        if (!string.IsNullOrEmpty(apiVersion) && apiVersion != type.ApiVersion)
        {
            throw ApiErrors.BadRequest($"the API version in the data ({apiVersion}) does not match the expected API version ({type.ApiVersion})");
        }

        var kind = KubeJson.String(body["kind"]);
        if (!string.IsNullOrEmpty(kind) && kind != type.Kind)
        {
            throw ApiErrors.BadRequest($"the kind in the data ({kind}) does not match the expected kind ({type.Kind})");
        }

        var result = new JsonObject { ["apiVersion"] = type.ApiVersion, ["kind"] = type.Kind };
        foreach (var (key, value) in body.ToList())
        {
            if (key is "apiVersion" or "kind")
            {
                continue;
            }

            body.Remove(key);
            result[key] = value;
        }

        return result;
    }

    /// <summary>
    /// The fieldValidation directive of a write: Warn when absent (the apiserver's default since 1.27),
    /// 422 for a value it does not know.
    /// </summary>
    private static string FieldValidation(HttpRequest request, string optionsKind)
    {
        var value = request.Query["fieldValidation"].ToString();
        return value switch
        {
            "" => "Warn",
            "Ignore" or "Warn" or "Strict" => value,
            _ => throw ApiErrors.InvalidOptions(optionsKind, FieldError.NotSupported("fieldValidation", value, "", "Ignore", "Strict", "Warn")),
        };
    }

    /// <summary>
    /// Decodes a create or update body against the kind's schema: a wrong type is 400; unknown fields
    /// are dropped, then refused (Strict), warned about (Warn) or passed over (Ignore).
    /// </summary>
    private static void DecodeBody(HttpContext context, ResourceType type, JsonObject body, string fieldValidation)
    {
        var unknownFields = Decode(type, () => SchemaDecoder.Decode(body, type.Model));
        if (unknownFields.Count > 0 && fieldValidation == "Strict")
        {
            throw ApiErrors.CannotDecode(type, SchemaDecoder.StrictError(unknownFields));
        }

        WarnAbout(context, unknownFields, fieldValidation);
    }

    private static void WarnAbout(HttpContext context, IReadOnlyList<string> unknownFields, string fieldValidation)
    {
        if (fieldValidation != "Warn")
        {
            return;
        }

        foreach (var path in unknownFields)
        {
            context.Response.Headers.Append("Warning", SchemaDecoder.Warning(path));
        }
    }

    private static T Decode<T>(ResourceType type, Func<T> action)
    {
        try
        {
            return action();
        }
        catch (DecodeException error)
        {
            throw ApiErrors.CannotDecode(type, error.Message);
        }
    }

    private static bool IsDryRun(HttpRequest request) => request.Query["dryRun"].Contains("All");

    /// <summary>
    /// limit/continue paging over the key-ordered list. The token names the last key returned and the
    /// revision of the first page; a token older than the compacted history is expired (410).
    /// </summary>
    private static IReadOnlyList<JsonObject> Paginate(
        IReadOnlyList<JsonObject> items,
        long revision,
        IQueryCollection query,
        long compacted,
        out string? continueToken,
        out long remaining)
    {
        continueToken = null;
        remaining = 0;
        var start = 0;
        if (query["continue"].ToString() is { Length: > 0 } token)
        {
            var (tokenRevision, lastKey) = ReadContinue(token);
            if (tokenRevision < compacted)
            {
                throw ApiErrors.Expired(tokenRevision, compacted);
            }

            start = items.Count(item => string.CompareOrdinal(Key(item), lastKey) <= 0);
        }

        var limit = long.TryParse(query["limit"], CultureInfo.InvariantCulture, out var parsed) && parsed > 0 ? parsed : long.MaxValue;
        var page = items.Skip(start).Take((int)Math.Min(limit, int.MaxValue)).ToList();
        if (start + page.Count < items.Count)
        {
            remaining = items.Count - start - page.Count;
            var json = new JsonObject { ["rv"] = revision, ["start"] = Key(page[^1]) }.ToJsonString();
            continueToken = Convert.ToBase64String(Encoding.UTF8.GetBytes(json));
        }

        return page;
    }

    private static (long Revision, string LastKey) ReadContinue(string token)
    {
        try
        {
            var json = JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(token)));
            return (KubeJson.Integer(json?["rv"]) ?? 0, KubeJson.String(json?["start"]) ?? "");
        }
        catch (Exception error) when (error is FormatException or System.Text.Json.JsonException)
        {
            throw ApiErrors.BadRequest($"continue key is not valid: {error.Message}");
        }
    }

    // NUL sorts before every character a name may hold, so comparing keys orders like (namespace, name).
    private static string Key(JsonObject item) => $"{KubeJson.Namespace(item)}\0{KubeJson.Name(item)}";
}
