using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace MaMA.MLNet.Logging;

/// <summary>
/// The ML.NET environment behind a catalog (<c>mlContext.Transforms</c>, <c>mlContext.MulticlassClassification.Trainers</c>):
/// the object whose channels reach <see cref="MLContext.Log"/> and whose random numbers follow the MLContext's seed.
/// </summary>
/// <remarks>
/// ML.NET keeps it behind the internal <c>IInternalCatalog.Environment</c> and offers extension authors no public
/// accessor, so it is read by reflection here (the one place), the way <c>Imaging/SchemaShapeColumns.cs</c> reaches
/// another internal constructor. Everything done with it afterwards is public API: <see cref="IHostEnvironment.Register"/>,
/// <see cref="IChannelProvider.Start"/> and <see cref="IChannel.Info(MessageSensitivity, string)"/>. If a future
/// ML.NET renames the property, components still work but log nothing (the logging tests then fail).
/// </remarks>
internal static class CatalogEnvironment
{
    private static readonly PropertyInfo? EnvironmentProperty = typeof(TransformsCatalog).GetInterfaces()
        .FirstOrDefault(i => i.FullName == "Microsoft.ML.Data.IInternalCatalog")
        ?.GetProperty("Environment", BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);

    /// <summary>The catalog's environment, or null when this ML.NET version hides it elsewhere.</summary>
    public static IHostEnvironment? Of(object catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        if (EnvironmentProperty is null || !EnvironmentProperty.DeclaringType!.IsInstanceOfType(catalog)) return null;
        return EnvironmentProperty.GetValue(catalog) as IHostEnvironment;
    }

    /// <summary>A component host registered under <paramref name="name"/>, or null without an environment.</summary>
    public static IHost? Register(object catalog, string name) => Of(catalog)?.Register(name);
}
