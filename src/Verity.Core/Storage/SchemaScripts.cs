using System.Reflection;

namespace Verity.Core.Storage;

/// <summary>The numbered, embedded schema files of one backend (<c>Schema/0001_init.sql</c>, …), in order.</summary>
internal static class SchemaScripts
{
    public static IReadOnlyList<(int Version, string Sql)> For(string engine)
    {
        var assembly = typeof(SchemaScripts).Assembly;
        var prefix = engine + ".";
        return [.. assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n => (Version: int.Parse(n.AsSpan(prefix.Length, 4), provider: System.Globalization.CultureInfo.InvariantCulture), Sql: Read(assembly, n)))
            .OrderBy(s => s.Version)];
    }

    private static string Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
