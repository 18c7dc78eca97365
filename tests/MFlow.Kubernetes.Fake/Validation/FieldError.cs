using System.Globalization;
using System.Text;

namespace MFlow.Kubernetes.Fake.Validation;

/// <summary>The kinds of field errors, as the apiserver names them in Status causes.</summary>
internal enum FieldErrorType
{
    Invalid,
    Required,
    NotSupported,
    Duplicate,
    NotFound,
    TooLong,
    Forbidden,
    TooMany,
}

/// <summary>
/// One validation failure of one field. <see cref="Message"/> and <see cref="Body"/> follow the wording
/// of Kubernetes' field errors, so a client that shows them shows what a real cluster would.
/// </summary>
internal sealed record FieldError(FieldErrorType Type, string Field, object? BadValue, string Detail)
{
    public static FieldError Invalid(string field, object? value, string detail) => new(FieldErrorType.Invalid, field, value, detail);

    public static FieldError Required(string field, string detail = "") => new(FieldErrorType.Required, field, "", detail);

    public static FieldError NotSupported(string field, object? value, params string[] supported) =>
        new(FieldErrorType.NotSupported, field, value, "supported values: " + string.Join(", ", supported.Select(Quote)));

    public static FieldError Duplicate(string field, object? value) => new(FieldErrorType.Duplicate, field, value, "");

    public static FieldError NotFound(string field, object? value) => new(FieldErrorType.NotFound, field, value, "");

    public static FieldError TooLong(string field, int maxBytes) =>
        new(FieldErrorType.TooLong, field, null, $"may not be more than {maxBytes} bytes");

    public static FieldError Forbidden(string field, string detail) => new(FieldErrorType.Forbidden, field, null, detail);

    /// <summary>Go's field.OmitValueType: the error shows no value.</summary>
    public static readonly object OmitValue = new();

    public static FieldError TooMany(string field, int actual, int max) => new(FieldErrorType.TooMany, field, actual, $"must have at most {max} items");

    /// <summary>The Status cause reason (FieldValueInvalid, FieldValueRequired, ...).</summary>
    public string Reason => "FieldValue" + Type;

    /// <summary>The error without its field, as Status causes carry it.</summary>
    public string Body => Type switch
    {
        FieldErrorType.Invalid when ReferenceEquals(BadValue, OmitValue) => WithDetail("Invalid value"),
        FieldErrorType.Invalid => WithDetail($"Invalid value: {Format(BadValue)}"),
        FieldErrorType.Required => WithDetail("Required value"),
        FieldErrorType.NotSupported => WithDetail($"Unsupported value: {Format(BadValue)}"),
        FieldErrorType.Duplicate => $"Duplicate value: {Format(BadValue)}",
        FieldErrorType.NotFound => $"Not found: {Format(BadValue)}",
        FieldErrorType.TooLong => WithDetail("Too long"),
        FieldErrorType.Forbidden => WithDetail("Forbidden"),
        FieldErrorType.TooMany => WithDetail($"Too many: {Format(BadValue)}"),
        _ => Detail,
    };

    /// <summary>"field: body", the form joined into a 422's message.</summary>
    public string Message => $"{Field}: {Body}";

    private string WithDetail(string head) => Detail.Length == 0 ? head : $"{head}: {Detail}";

    /// <summary>Formats a value as Go's %v/%q would: strings quoted, numbers bare.</summary>
    private static string Format(object? value) => value switch
    {
        null => "null",
        string text => Quote(text),
        IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "null",
    };

    public static string Quote(string text)
    {
        var builder = new StringBuilder(text.Length + 2).Append('"');
        foreach (var c in text)
        {
            _ = c switch
            {
                '"' => builder.Append("\\\""),
                '\\' => builder.Append("\\\\"),
                '\n' => builder.Append("\\n"),
                '\t' => builder.Append("\\t"),
                '\r' => builder.Append("\\r"),
                _ when char.IsControl(c) => builder.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}"),
                _ => builder.Append(c),
            };
        }

        return builder.Append('"').ToString();
    }
}
