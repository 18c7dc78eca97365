using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MFlow.Contracts;
using MFlow.Scheduler.Definitions;
using MFlow.Scheduler.Params;
using MFlow.Scheduler.Pipelines;
using MFlow.Scheduler.Triggers;
using Microsoft.AspNetCore.Http;

namespace MFlow.Scheduler.Tests.Triggers;

public sealed class When_reading_git_webhooks
{
    const string Secret = "a-webhook-secret-of-some-length";
    const string Commit = "4f9a1c2e7b3d5a6f8e0c1b2a3d4e5f60718293a4";

    static readonly GitTrigger Trigger = new() { Name = "shop", Provider = GitProviders.GitHub, Repository = "acme/shop", Pipeline = "release@shop.acme" };

    static byte[] Body(object payload) => JsonSerializer.SerializeToUtf8Bytes(payload);

    static string Signature(byte[] body, string secret) => "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    public static TheoryData<string, string?, string?> GitHubSignatures => new()
    {
        { "no header", null, "has no X-Hub-Signature-256 header" },
        { "another secret", "other", "does not match" },
        { "no sha256= prefix", "bare", "does not match" },
        { "not hex", "sha256=zz", "does not match" },
        { "the right one", "right", null },
    };

    [Theory]
    [MemberData(nameof(GitHubSignatures))]
    public void Should_verify_github_signatures_of_the_body(string _, string? given, string? problem)
    {
        var body = Body(new { @ref = "refs/heads/main" });
        var headers = new HeaderDictionary();
        if (given is not null)
        {
            headers[GitWebhook.GitHubSignatureHeader] = given switch
            {
                "other" => Signature(body, "another-secret-entirely"),
                "bare" => Signature(body, Secret)["sha256=".Length..],
                "right" => Signature(body, Secret),
                _ => given,
            };
        }

        var unverified = GitWebhook.Unverified(GitProviders.GitHub, headers, body, Secret);

        if (problem is null)
            Assert.Null(unverified);
        else
            Assert.Contains(problem, unverified, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "has no X-Gitlab-Token header")]
    [InlineData("a-webhook-secret-of-some-lengtH", "is not this trigger's secret token")]
    [InlineData("a-webhook-secret-of-some-length-and-more", "is not this trigger's secret token")]
    [InlineData(Secret, null)]
    public void Should_verify_gitlab_tokens(string? token, string? problem)
    {
        var headers = new HeaderDictionary();
        if (token is not null)
            headers[GitWebhook.GitLabTokenHeader] = token;

        var unverified = GitWebhook.Unverified(GitProviders.GitLab, headers, [], Secret);

        if (problem is null)
            Assert.Null(unverified);
        else
            Assert.Contains(problem, unverified, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, unverified ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public void Should_read_a_github_branch_push_into_the_git_params()
    {
        var push = GitWebhook.ReadPush(GitProviders.GitHub, Body(new
        {
            @ref = "refs/heads/release/1.4",
            after = Commit,
            repository = new { full_name = "acme/shop", clone_url = "https://github.com/acme/shop.git", ssh_url = "git@github.com:acme/shop.git" },
            pusher = new { name = "octo" },
        }));

        Assert.Equal(("acme/shop", "release/1.4", null, "octo"), (push.Repository, push.Branch, push.Tag, push.Pusher));
        Assert.Equal(new Dictionary<string, string>
        {
            ["GIT_URL"] = "https://github.com/acme/shop.git", ["GIT_REF"] = "release/1.4", ["GIT_BRANCH"] = "release/1.4",
            ["GIT_COMMIT"] = Commit, ["APP_VERSION"] = "4f9a1c2",
        }, GitWebhook.RunParams(Trigger, push));
        Assert.Equal("git@github.com:acme/shop.git", GitWebhook.RunParams(Trigger with { CloneUrl = CloneUrls.Ssh }, push)["GIT_URL"]);
    }

    [Theory]
    [InlineData("v1.4.0", "1.4.0")]
    [InlineData("V2", "2")]
    [InlineData("version-7", "version-7")]
    [InlineData("2026.12.1", "2026.12.1")]
    public void Should_take_a_tag_as_the_app_version_without_a_leading_v(string tag, string version)
    {
        var push = GitWebhook.ReadPush(GitProviders.GitLab, Body(new
        {
            object_kind = "tag_push",
            @ref = $"refs/tags/{tag}",
            after = "f00dfeedf00dfeedf00dfeedf00dfeedf00dfeed",
            checkout_sha = Commit,
            project = new { path_with_namespace = "acme/shop", git_http_url = "https://gitlab.example.com/acme/shop.git" },
        }));

        var values = GitWebhook.RunParams(Trigger with { Provider = GitProviders.GitLab }, push);

        Assert.Equal(tag, values["GIT_TAG"]);
        Assert.Equal(Commit, values["GIT_COMMIT"]); // the tagged commit, not the tag object
        Assert.Equal(version, values["APP_VERSION"]);
        Assert.False(values.ContainsKey("GIT_BRANCH"));
    }

    [Fact]
    public void Should_see_a_deleted_branch_as_deleted()
    {
        var github = GitWebhook.ReadPush(GitProviders.GitHub, Body(new { @ref = "refs/heads/old", after = new string('0', 40), deleted = true, repository = new { full_name = "acme/shop" } }));
        var gitlab = GitWebhook.ReadPush(GitProviders.GitLab, Body(new { @ref = "refs/heads/old", after = new string('0', 40), project = new { path_with_namespace = "acme/shop" } }));

        Assert.True(github.Deleted);
        Assert.True(gitlab.Deleted);
        Assert.Null(gitlab.Commit);
    }

    public static TheoryData<string, string> MalformedBodies => new()
    {
        { "not json", "body" },
        { "[1, 2]", "body" },
        { """{"repository":{"full_name":"acme/shop"}}""", "ref" },
        { """{"ref":"refs/heads/main"}""", "repository.full_name" },
        { """{"ref":["refs/heads/main"],"repository":{"full_name":"acme/shop"}}""", "ref" },
        { """{"ref":"refs/heads/main","repository":{"full_name":7}}""", "repository.full_name" },
        { new string('[', 40) + new string(']', 40), "body" },
    };

    [Theory]
    [MemberData(nameof(MalformedBodies))]
    public void Should_refuse_a_body_that_is_not_a_push_naming_the_field(string body, string field)
    {
        var ex = Assert.Throws<PipelineValidationException>(() => GitWebhook.ReadPush(GitProviders.GitHub, Encoding.UTF8.GetBytes(body)));

        Assert.Equal([field], ex.Errors.Keys);
    }

    [Theory]
    [InlineData("refs/heads/main $(reboot)")]
    [InlineData("refs/heads/feature/$(curl${IFS}x|sh)")]
    [InlineData("refs/heads/x`id`")]
    [InlineData("refs/tags/v1';rm")]
    [InlineData("refs/heads/ok;")]
    [InlineData("refs/heads/-rf")]
    [InlineData("refs/heads/a..b")]
    [InlineData("refs/heads/x\u0000y")]
    public void Should_refuse_ref_names_that_could_reach_a_shell_or_that_git_would_not_make(string gitRef)
    {
        var push = new GitPush("acme/shop", gitRef, Commit, false, "https://github.com/acme/shop.git", null, null);

        var ex = Assert.Throws<PipelineValidationException>(() => GitWebhook.RunParams(Trigger, push));
        Assert.Equal(["ref"], ex.Errors.Keys);
    }

    [Fact]
    public void Should_take_a_ref_name_of_letters_digits_and_dot_underscore_slash_plus_minus()
    {
        var push = new GitPush("acme/shop", "refs/heads/release/1.4+build_7-x", Commit, false, "https://github.com/acme/shop.git", null, null);

        Assert.Equal("release/1.4+build_7-x", GitWebhook.RunParams(Trigger, push)["GIT_BRANCH"]);
    }

    [Theory]
    [InlineData("javascript:alert(1)")]
    [InlineData("https://github.com/acme/shop.git --upload-pack=evil")]
    [InlineData("-oProxyCommand=evil")]
    [InlineData("file:///etc/passwd")]
    [InlineData("https://github.com/acme/$(id).git")]
    [InlineData("https://github.com/acme/shop.git;reboot")]
    public void Should_refuse_clone_urls_that_are_not_urls(string url)
    {
        var push = new GitPush("acme/shop", "refs/heads/main", Commit, false, url, null, null);

        var ex = Assert.Throws<PipelineValidationException>(() => GitWebhook.RunParams(Trigger, push));

        Assert.Equal(["GIT_URL"], ex.Errors.Keys);
    }

    [Theory]
    [InlineData("main", "main", true)]
    [InlineData("main", "main2", false)]
    [InlineData("release/*", "release/1.4", true)]
    [InlineData("release/*", "release/1.4/hotfix", false)]
    [InlineData("release/**", "release/1.4/hotfix", true)]
    [InlineData("v*", "v1.4.0", true)]
    [InlineData("v?.*", "v1.4", true)]
    [InlineData("v?.*", "v10.4", false)]
    [InlineData("feature.x", "featureax", false)]
    [InlineData("**", "anything/at/all", true)]
    public void Should_match_ref_patterns_as_ci_systems_do(string pattern, string name, bool matches)
    {
        Assert.Equal(matches, RefPatterns.FirstMatch([pattern], name) is not null);
    }

    [Fact]
    public void Should_offer_git_values_only_to_jobs_that_declare_them()
    {
        var job = new ResolvedJob(Guid.Empty, new DefinitionName("show", "team", "ci", "v1"), JobKind.Build, new JobDefinitionDocument
        {
            Params = [new() { Name = "GIT_COMMIT" }, new() { Name = "APP_VERSION", ReadOnly = true, Default = "fixed" }],
        });
        var errors = new ValidationErrors();
        var offered = new Dictionary<string, string> { ["GIT_COMMIT"] = Commit, ["GIT_BRANCH"] = "main", ["APP_VERSION"] = "1.4.0" };

        var resolved = ParamResolver.Resolve(job, "t", RunMode.Normal, [new("trigger", "trigger", offered, Offered: true)], new HashSet<string>(), errors, "stages[0].tasks[0]");

        Assert.True(errors.IsEmpty);
        Assert.Equal(Commit, resolved.Env["GIT_COMMIT"]);
        Assert.False(resolved.Env.ContainsKey("GIT_BRANCH")); // undeclared: dropped, not refused
        Assert.Equal("fixed", resolved.Env["APP_VERSION"]); // read-only: the job's default stands
    }
}
