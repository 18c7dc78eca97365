using System.Text.RegularExpressions;

namespace MFlow.Kubernetes.Fake.Validation;

/// <summary>
/// The string rules of Kubernetes (RFC 1123 names, qualified names, label values, environment variable
/// names, config keys). Each check returns the apiserver's messages, empty when the value is valid.
/// </summary>
internal static partial class NameRules
{
    public const int LabelValueMaxLength = 63;
    public const int Dns1123LabelMaxLength = 63;
    public const int Dns1123SubdomainMaxLength = 253;
    public const int ConfigKeyMaxLength = 253;

    private const string Dns1123LabelFormat = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
    private const string Dns1123SubdomainFormat = Dns1123LabelFormat + "(\\." + Dns1123LabelFormat + ")*";
    private const string QualifiedNameFormat = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
    private const string LabelValueFormat = "(" + QualifiedNameFormat + ")?";
    private const string EnvVarNameFormat = "[-._a-zA-Z][-._a-zA-Z0-9]*";
    private const string ConfigKeyFormat = "[-._a-zA-Z0-9]+";

    private const string QualifiedNameMessage =
        "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

    public static IReadOnlyList<string> Dns1123Subdomain(string value)
    {
        var errors = new List<string>();
        if (value.Length > Dns1123SubdomainMaxLength)
        {
            errors.Add(MaxLength(Dns1123SubdomainMaxLength));
        }

        if (!Dns1123SubdomainRegex().IsMatch(value))
        {
            errors.Add(RegexError(
                "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
                Dns1123SubdomainFormat,
                "example.com"));
        }

        return errors;
    }

    public static IReadOnlyList<string> Dns1123Label(string value)
    {
        var errors = new List<string>();
        if (value.Length > Dns1123LabelMaxLength)
        {
            errors.Add(MaxLength(Dns1123LabelMaxLength));
        }

        if (!Dns1123LabelRegex().IsMatch(value))
        {
            errors.Add(RegexError(
                "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
                Dns1123LabelFormat,
                "my-name",
                "123-abc"));
        }

        return errors;
    }

    /// <summary>A label or annotation key: an optional DNS subdomain prefix, '/', and a name part.</summary>
    public static IReadOnlyList<string> QualifiedName(string value)
    {
        var errors = new List<string>();
        var parts = value.Split('/');
        string name;
        switch (parts.Length)
        {
            case 1:
                name = parts[0];
                break;
            case 2:
                var prefix = parts[0];
                name = parts[1];
                if (prefix.Length == 0)
                {
                    errors.Add("prefix part must be non-empty");
                }
                else
                {
                    errors.AddRange(Dns1123Subdomain(prefix).Select(message => "prefix part " + message));
                }

                break;
            default:
                return
                [
                    "a qualified name " + RegexError(QualifiedNameMessage, QualifiedNameFormat, "MyName", "my.name", "123-abc")
                    + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
                ];
        }

        if (name.Length == 0)
        {
            errors.Add("name part must be non-empty");
        }
        else if (name.Length > LabelValueMaxLength)
        {
            errors.Add("name part " + MaxLength(LabelValueMaxLength));
        }

        if (!QualifiedNameRegex().IsMatch(name))
        {
            errors.Add("name part " + RegexError(QualifiedNameMessage, QualifiedNameFormat, "MyName", "my.name", "123-abc"));
        }

        return errors;
    }

    public static IReadOnlyList<string> LabelValue(string value)
    {
        var errors = new List<string>();
        if (value.Length > LabelValueMaxLength)
        {
            errors.Add(MaxLength(LabelValueMaxLength));
        }

        if (!LabelValueRegex().IsMatch(value))
        {
            errors.Add(RegexError(
                "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
                LabelValueFormat,
                "MyValue",
                "my_value",
                "12345"));
        }

        return errors;
    }

    public static IReadOnlyList<string> EnvVarName(string value)
    {
        var errors = new List<string>();
        if (!EnvVarNameRegex().IsMatch(value))
        {
            errors.Add(RegexError(
                "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit",
                EnvVarNameFormat,
                "my.env-name",
                "MY_ENV.NAME",
                "MyEnvName1"));
        }

        return errors;
    }

    /// <summary>A key of a Secret's or ConfigMap's data.</summary>
    public static IReadOnlyList<string> ConfigKey(string value)
    {
        var errors = new List<string>();
        if (value.Length > ConfigKeyMaxLength)
        {
            errors.Add(MaxLength(ConfigKeyMaxLength));
        }

        if (!ConfigKeyRegex().IsMatch(value))
        {
            errors.Add(RegexError("a valid config key must consist of alphanumeric characters, '-', '_' or '.'", ConfigKeyFormat, "key.name", "KEY_NAME", "key-name"));
        }

        if (value == ".")
        {
            errors.Add("must not be '.'");
        }
        else if (value == "..")
        {
            errors.Add("must not be '..'");
        }
        else if (value.StartsWith("..", StringComparison.Ordinal))
        {
            errors.Add("must not start with '..'");
        }

        return errors;
    }

    public static string MaxLength(int length) => $"must be no more than {length} bytes";

    /// <summary>Kubernetes' RegexError wording, double space before "or" included.</summary>
    private static string RegexError(string message, string format, params string[] examples)
    {
        if (examples.Length == 0)
        {
            return $"{message} (regex used for validation is '{format}')";
        }

        var text = message + " (e.g. " + string.Join(" or ", examples.Select(example => $"'{example}', "));
        return text + $"regex used for validation is '{format}')";
    }

    [GeneratedRegex("^" + Dns1123LabelFormat + "\\z")]
    private static partial Regex Dns1123LabelRegex();

    [GeneratedRegex("^" + Dns1123SubdomainFormat + "\\z")]
    private static partial Regex Dns1123SubdomainRegex();

    [GeneratedRegex("^" + QualifiedNameFormat + "\\z")]
    private static partial Regex QualifiedNameRegex();

    [GeneratedRegex("^" + LabelValueFormat + "\\z")]
    private static partial Regex LabelValueRegex();

    [GeneratedRegex("^" + EnvVarNameFormat + "\\z")]
    private static partial Regex EnvVarNameRegex();

    [GeneratedRegex("^" + ConfigKeyFormat + "\\z")]
    private static partial Regex ConfigKeyRegex();
}
