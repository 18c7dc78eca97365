using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MFlow.Persistence.KeyRing;

/// <summary>
/// One Data Protection key ring for every MFlow process that encrypts or decrypts secrets at rest
/// (the scheduler: kubeconfigs, sensitive params, subscription secrets; the notifier: subscription
/// secrets), kept in the database so what one process encrypts any other can decrypt.
/// </summary>
public static class KeyRingExtensions
{
    /// <summary>The key ring in MFlow's database (<see cref="DatabaseXmlRepository"/>).</summary>
    public static IServiceCollection AddDatabaseKeyRing(this IServiceCollection services, IConfiguration configuration)
    {
        // Several services in one host (the embedded default) each ask for it; one key ring serves them all.
        if (services.Any(service => service.ServiceType == typeof(DatabaseXmlRepository)))
            return services;
        services.AddSingleton<DatabaseXmlRepository>();
        return services.AddKeyRing(configuration, provider => provider.GetRequiredService<DatabaseXmlRepository>());
    }

    /// <summary>
    /// Data Protection for MFlow's secrets at rest, its key ring kept in <paramref name="repository"/>;
    /// each key is encrypted with the key-encryption key when one is configured (<see cref="KeyEncryptionKeys"/>).
    /// </summary>
    public static IServiceCollection AddKeyRing(this IServiceCollection services, IConfiguration configuration, Func<IServiceProvider, IXmlRepository> repository)
    {
        services.AddDataProtection().SetApplicationName("MFlow");
        var keyEncryptionKeys = KeyEncryptionKeys.From(configuration);
        if (keyEncryptionKeys is not null)
            services.AddSingleton(keyEncryptionKeys);
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(provider =>
            new ConfigureOptions<KeyManagementOptions>(options =>
            {
                options.XmlRepository = repository(provider);
                if (keyEncryptionKeys is not null)
                    options.XmlEncryptor = new KeyEncryptionKeyXmlEncryptor(keyEncryptionKeys);
            }));
        return services;
    }

    /// <summary>
    /// Makes this process's key ring read-only: it never creates a key, so a process that only
    /// decrypts (the notifier) cannot fill an empty or unreadable key ring with keys of its own that
    /// nothing was encrypted with; what it cannot decrypt fails with the key ring's reason instead.
    /// Not for a host that also encrypts (the embedded default runs the scheduler beside the notifier).
    /// </summary>
    public static IServiceCollection AddReadOnlyKeyRing(this IServiceCollection services) =>
        services.Configure<KeyManagementOptions>(options => options.AutoGenerateKeys = false);
}
