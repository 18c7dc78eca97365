using System.Globalization;
using System.Text.RegularExpressions;

namespace MFlow.Kubernetes.Fake.Validation;

/// <summary>
/// Kubernetes resource quantities ("100m", "128Mi", "1Gi", "0.5", "1e3"). The fake only needs to know
/// whether one parses and to compare two, so the value is a double rather than an exact decimal.
/// </summary>
internal static partial class Quantity
{
    /// <summary>The pattern the apiserver quotes when a quantity does not parse.</summary>
    public const string ErrorMessage = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

    public static bool TryParse(string text, out double value)
    {
        value = 0;
        var match = QuantityRegex().Match(text);
        if (!match.Success)
        {
            return false;
        }

        if (!double.TryParse(match.Groups["number"].Value, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            return false;
        }

        var suffix = match.Groups["suffix"].Value;
        double multiplier = suffix switch
        {
            "" => 1,
            "n" => 1e-9,
            "u" => 1e-6,
            "m" => 1e-3,
            "k" => 1e3,
            "M" => 1e6,
            "G" => 1e9,
            "T" => 1e12,
            "P" => 1e15,
            "E" => 1e18,
            "Ki" => 1L << 10,
            "Mi" => 1L << 20,
            "Gi" => 1L << 30,
            "Ti" => 1L << 40,
            "Pi" => 1L << 50,
            "Ei" => 1L << 60,
            _ => Math.Pow(10, int.Parse(suffix[1..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture)),
        };
        value = number * multiplier;
        return true;
    }

    [GeneratedRegex(@"^(?<number>[+-]?(\d+(\.\d*)?|\.\d+))(?<suffix>|[numkMGTPE]|[KMGTPE]i|[eE][+-]?\d{1,3})\z")]
    private static partial Regex QuantityRegex();
}
