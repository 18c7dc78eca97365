using System.Net;
using MFlow.Kubernetes.Errors;
using MFlow.Kubernetes.Models;
using MFlow.Kubernetes.Tests.Support;

namespace MFlow.Kubernetes.Tests.Client;

public sealed class When_the_server_answers_with_an_error
{
    private static async Task<KubernetesApiException> Fail(HttpResponseMessage response)
    {
        using var client = TestClients.Create(new StubHandler(_ => response), o => o.MaxAttempts = 1);
        return await Assert.ThrowsAnyAsync<KubernetesApiException>(() => client.GetJobAsync("ns", "build-1"));
    }

    [Fact]
    public async Task Should_map_409_AlreadyExists_to_AlreadyExistsException()
    {
        var ex = await Fail(StubHandler.Status(HttpStatusCode.Conflict, "AlreadyExists", "jobs.batch \\\"build-1\\\" already exists"));

        Assert.IsType<AlreadyExistsException>(ex);
        Assert.Equal(HttpStatusCode.Conflict, ex.StatusCode);
        Assert.Equal("AlreadyExists", ex.Reason);
        Assert.Contains("jobs.batch \"build-1\" already exists", ex.Message, StringComparison.Ordinal);
        Assert.Contains("GET /apis/batch/v1/namespaces/ns/jobs/build-1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_map_other_409s_to_ConflictException()
    {
        Assert.IsType<ConflictException>(await Fail(StubHandler.Status(HttpStatusCode.Conflict, "Conflict", "the object has been modified")));
    }

    [Fact]
    public async Task Should_map_422_to_InvalidException_with_its_causes()
    {
        var ex = await Fail(StubHandler.Status(
            HttpStatusCode.UnprocessableEntity,
            "Invalid",
            "Job.batch \\\"Bad\\\" is invalid",
            """{"name":"Bad","group":"batch","kind":"Job","causes":[{"reason":"FieldValueInvalid","message":"Invalid value: \"Bad\"","field":"metadata.name"},{"reason":"FieldValueNotSupported","message":"Unsupported value: \"Always\"","field":"spec.template.spec.restartPolicy"}]}"""));

        var invalid = Assert.IsType<InvalidException>(ex);
        Assert.Equal(["metadata.name", "spec.template.spec.restartPolicy"], invalid.Causes.Select(c => c.Field));
        Assert.Equal("FieldValueNotSupported", invalid.Causes[1].Reason);
        Assert.Contains("spec.template.spec.restartPolicy: Unsupported value", invalid.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(HttpStatusCode.NotFound, "NotFound", typeof(NotFoundException))]
    [InlineData(HttpStatusCode.Forbidden, "Forbidden", typeof(ForbiddenException))]
    [InlineData(HttpStatusCode.Unauthorized, "Unauthorized", typeof(UnauthorizedException))]
    [InlineData(HttpStatusCode.Gone, "Expired", typeof(GoneException))]
    [InlineData(HttpStatusCode.BadRequest, "BadRequest", typeof(KubernetesApiException))]
    [InlineData(HttpStatusCode.ServiceUnavailable, "ServiceUnavailable", typeof(KubernetesApiException))]
    public async Task Should_map_each_code_to_its_exception(HttpStatusCode code, string reason, Type expected)
    {
        var ex = await Fail(StubHandler.Status(code, reason, "message from server"));

        Assert.IsType(expected, ex);
        Assert.Equal(code, ex.StatusCode);
        Assert.Equal(reason, ex.Status!.Reason);
        Assert.Contains("message from server", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_describe_a_body_that_is_not_a_Status_by_code_and_first_bytes()
    {
        var ex = await Fail(StubHandler.Text(HttpStatusCode.BadGateway, "<html>\n<body>upstream connect error " + new string('x', 1000) + "</body></html>", "text/html"));

        Assert.Equal(typeof(KubernetesApiException), ex.GetType());
        Assert.Null(ex.Status);
        Assert.Contains("502", ex.Message, StringComparison.Ordinal);
        Assert.Contains("<html> <body>upstream connect error", ex.Message, StringComparison.Ordinal);
        Assert.True(ex.Message.Length < 400);
    }

    [Fact]
    public async Task Should_not_take_a_json_error_of_a_proxy_for_a_Status()
    {
        var ex = await Fail(StubHandler.Json(HttpStatusCode.NotFound, """{"error":"no route"}"""));

        Assert.IsType<NotFoundException>(ex);
        Assert.Null(ex.Status);
        Assert.Contains("no route", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_never_put_the_request_body_in_the_message()
    {
        var stub = new StubHandler(_ => StubHandler.Status(HttpStatusCode.UnprocessableEntity, "Invalid", "Secret is invalid"));
        using var client = TestClients.Create(stub, o => o.MaxAttempts = 1);
        var secret = new Secret { Metadata = new ObjectMeta { Name = "creds" }, StringData = new() { ["password"] = "hunter2-very-secret" } };

        var ex = await Assert.ThrowsAsync<InvalidException>(() => client.CreateSecretAsync("ns", secret));

        Assert.Contains("hunter2-very-secret", stub.Requests[0].Body, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", ex.ToString(), StringComparison.Ordinal);
    }
}
