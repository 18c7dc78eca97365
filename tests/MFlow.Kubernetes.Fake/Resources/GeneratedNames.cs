namespace MFlow.Kubernetes.Fake.Resources;

/// <summary>generateName's rule: the prefix cut to 58 characters, plus 5 random consonants and digits.</summary>
internal static class GeneratedNames
{
    // Kubernetes leaves out vowels (no accidental words) and look-alikes such as 0/o and 1/l.
    private const string Alphabet = "bcdfghjklmnpqrstvwxz2456789";
    private const int MaxPrefixLength = 58;

    public static string From(string prefix) =>
        (prefix.Length > MaxPrefixLength ? prefix[..MaxPrefixLength] : prefix)
        + new string(Random.Shared.GetItems(Alphabet.AsSpan(), 5));
}
