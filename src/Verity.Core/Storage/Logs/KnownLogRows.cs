namespace Verity.Core.Storage;

/// <summary>
/// The dictionary rows of one log (terms, element keys, property sets, entry keys) a store has seen committed
/// (<see cref="KnownRows{T}"/>), so an append skips the inserts of values it already holds.
/// </summary>
internal sealed class KnownLogRows
{
    public KnownRows<(Guid TenantId, short Field, string Value)> Terms { get; } = new();
    public KnownRows<(Guid TenantId, short Field, string Value, string Id)> ItemKeys { get; } = new();
    public KnownRows<(Guid TenantId, long Key, string Name)> PropertySets { get; } = new();
    public KnownRows<(Guid TenantId, short Field, string Value, string Id)> EntryKeys { get; } = new();

    public static Dictionary<LogName, KnownLogRows> ForEveryLog() => Logs.All.ToDictionary(l => l.Name, _ => new KnownLogRows());

    public void Commit()
    {
        Terms.Commit();
        ItemKeys.Commit();
        PropertySets.Commit();
        EntryKeys.Commit();
    }

    public void Discard()
    {
        Terms.Discard();
        ItemKeys.Discard();
        PropertySets.Discard();
        EntryKeys.Discard();
    }
}
