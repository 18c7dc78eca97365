using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace MFlow.Persistence.KeyRing;

/// <summary>
/// Keeps the Data Protection key ring in MFlow's database, so every replica of the scheduler and the
/// notifier (and a restarted one) can decrypt what another encrypted: registered kubeconfigs,
/// sensitive params in run plans, subscription secrets.
/// </summary>
public sealed class DatabaseXmlRepository(Database database) : IXmlRepository
{
    /// <inheritdoc />
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        // Data Protection calls this synchronously, rarely (the key ring is cached).
        using var connection = database.OpenAsync().GetAwaiter().GetResult();
        using var command = connection.Command("SELECT xml FROM data_protection_keys");
        using var reader = command.ExecuteReader();
        var elements = new List<XElement>();
        while (reader.Read())
            elements.Add(XElement.Parse(reader.GetString(0)));
        return elements;
    }

    /// <inheritdoc />
    public void StoreElement(XElement element, string friendlyName)
    {
        using var connection = database.OpenAsync().GetAwaiter().GetResult();
        using var command = connection.Command(
            "INSERT INTO data_protection_keys (id, xml) VALUES (@id, @xml) ON CONFLICT DO NOTHING",
            null, ("id", friendlyName), ("xml", element.ToString(SaveOptions.DisableFormatting)));
        command.ExecuteNonQuery();
    }
}
