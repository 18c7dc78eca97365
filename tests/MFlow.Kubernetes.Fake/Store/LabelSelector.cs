using System.Globalization;
using System.Text;
using MFlow.Kubernetes.Fake.Validation;

namespace MFlow.Kubernetes.Fake.Store;

/// <summary>
/// A parsed <c>labelSelector</c>: comma-separated requirements with =, ==, !=, in, notin, exists,
/// !key, and the numeric gt/lt forms (key&gt;1, key&lt;5) the apiserver also accepts.
/// </summary>
internal sealed class LabelSelector
{
    private enum Operator
    {
        Equals,
        NotEquals,
        In,
        NotIn,
        Exists,
        DoesNotExist,
        GreaterThan,
        LessThan,
    }

    private sealed record Requirement(string Key, Operator Op, IReadOnlyList<string> Values);

    private readonly IReadOnlyList<Requirement> _requirements;

    private LabelSelector(IReadOnlyList<Requirement> requirements) => _requirements = requirements;

    public static LabelSelector Everything { get; } = new([]);

    public bool IsEverything => _requirements.Count == 0;

    /// <summary>Parses a selector; throws <see cref="FormatException"/> with the reason when it is malformed.</summary>
    public static LabelSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }

        var tokens = Tokenize(text);
        var position = 0;
        var requirements = new List<Requirement>();
        while (true)
        {
            requirements.Add(ParseRequirement(tokens, ref position));
            if (position == tokens.Count)
            {
                break;
            }

            Expect(tokens, ref position, ",");
        }

        return new LabelSelector(requirements);
    }

    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        foreach (var requirement in _requirements)
        {
            var present = labels.TryGetValue(requirement.Key, out var value);
            var ok = requirement.Op switch
            {
                Operator.Equals or Operator.In => present && requirement.Values.Contains(value),
                Operator.NotEquals or Operator.NotIn => !present || !requirement.Values.Contains(value),
                Operator.Exists => present,
                Operator.DoesNotExist => !present,
                Operator.GreaterThan => present && long.TryParse(value, CultureInfo.InvariantCulture, out var number) && number > long.Parse(requirement.Values[0], CultureInfo.InvariantCulture),
                Operator.LessThan => present && long.TryParse(value, CultureInfo.InvariantCulture, out var number) && number < long.Parse(requirement.Values[0], CultureInfo.InvariantCulture),
                _ => false,
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    private static Requirement ParseRequirement(List<string> tokens, ref int position)
    {
        if (Peek(tokens, position) == "!")
        {
            position++;
            return new Requirement(Key(tokens, ref position), Operator.DoesNotExist, []);
        }

        var key = Key(tokens, ref position);
        var next = Peek(tokens, position);
        switch (next)
        {
            case null or ",":
                return new Requirement(key, Operator.Exists, []);
            case "=" or "==" or "!=":
                position++;
                var value = Peek(tokens, position) is { } token && !IsOperator(token) ? tokens[position++] : "";
                CheckValue(value);
                return new Requirement(key, next == "!=" ? Operator.NotEquals : Operator.Equals, [value]);
            case "in" or "notin":
                position++;
                return new Requirement(key, next == "in" ? Operator.In : Operator.NotIn, Values(tokens, ref position));
            case ">" or "<":
                position++;
                var bound = Peek(tokens, position) ?? throw new FormatException("found '', expected: integer");
                position++;
                if (!long.TryParse(bound, CultureInfo.InvariantCulture, out _))
                {
                    throw new FormatException($"for 'Gt', 'Lt' operators, the value must be an integer");
                }

                return new Requirement(key, next == ">" ? Operator.GreaterThan : Operator.LessThan, [bound]);
            default:
                throw new FormatException($"found '{next}', expected: in, notin, =, ==, !=, gt, lt");
        }
    }

    private static List<string> Values(List<string> tokens, ref int position)
    {
        Expect(tokens, ref position, "(");
        var values = new List<string>();
        while (true)
        {
            var token = Peek(tokens, position) ?? throw new FormatException("found '', expected: ')'");
            if (token == ")")
            {
                position++;
                break;
            }

            if (token == ",")
            {
                position++;
                continue;
            }

            if (IsOperator(token))
            {
                throw new FormatException($"found '{token}', expected: ',', ')' or identifier");
            }

            CheckValue(token);
            values.Add(token);
            position++;
        }

        if (values.Count == 0)
        {
            throw new FormatException("for 'in', 'notin' operators, values set can't be empty");
        }

        return values;
    }

    private static string Key(List<string> tokens, ref int position)
    {
        var token = Peek(tokens, position);
        if (token is null || IsOperator(token))
        {
            throw new FormatException($"found '{token}', expected: identifier");
        }

        position++;
        if (NameRules.QualifiedName(token) is { Count: > 0 } errors)
        {
            throw new FormatException($"key: Invalid value: {FieldError.Quote(token)}: {errors[0]}");
        }

        return token;
    }

    private static void CheckValue(string value)
    {
        if (NameRules.LabelValue(value) is { Count: > 0 } errors)
        {
            throw new FormatException($"values[0]: Invalid value: {FieldError.Quote(value)}: {errors[0]}");
        }
    }

    private static void Expect(List<string> tokens, ref int position, string expected)
    {
        var token = Peek(tokens, position);
        if (token != expected)
        {
            throw new FormatException($"found '{token}', expected: '{expected}'");
        }

        position++;
    }

    private static string? Peek(List<string> tokens, int position) => position < tokens.Count ? tokens[position] : null;

    private static bool IsOperator(string token) => token is "=" or "==" or "!=" or "(" or ")" or "," or "!" or ">" or "<";

    private static List<string> Tokenize(string text)
    {
        var tokens = new List<string>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c is '(' or ')' or ',' or '>' or '<')
            {
                tokens.Add(c.ToString());
                i++;
            }
            else if (c == '=')
            {
                var doubled = i + 1 < text.Length && text[i + 1] == '=';
                tokens.Add(doubled ? "==" : "=");
                i += doubled ? 2 : 1;
            }
            else if (c == '!')
            {
                var notEquals = i + 1 < text.Length && text[i + 1] == '=';
                tokens.Add(notEquals ? "!=" : "!");
                i += notEquals ? 2 : 1;
            }
            else
            {
                var word = new StringBuilder();
                while (i < text.Length && !char.IsWhiteSpace(text[i]) && text[i] is not ('(' or ')' or ',' or '=' or '!' or '>' or '<'))
                {
                    word.Append(text[i++]);
                }

                tokens.Add(word.ToString());
            }
        }

        return tokens;
    }
}
