namespace Verity.Core.Storage;

/// <summary>
/// Rows of an insert-only dictionary table (terms, target keys) that this process has seen committed, so an append
/// skips the insert-or-ignore statement for a value it already holds: nearly every entry repeats the activity,
/// initiator and target names of earlier ones. Rows join only after their transaction commits (<see cref="Stage"/>
/// then <see cref="Commit"/>); a rolled-back append leaves nothing behind. Bounded: when full it starts over, which
/// costs only the statements it saved.
/// </summary>
internal sealed class KnownRows<T>(int capacity = 200_000) where T : notnull
{
    private readonly HashSet<T> _known = [];
    private readonly List<T> _staged = [];
    private readonly Lock _gate = new();

    /// <summary>True when the row is known committed; otherwise stages it, to be known once <see cref="Commit"/> runs.</summary>
    public bool Stage(T row)
    {
        lock (_gate)
        {
            if (_known.Contains(row))
            {
                return true;
            }
            _staged.Add(row);
            return false;
        }
    }

    /// <summary>The transaction that inserted the staged rows committed.</summary>
    public void Commit()
    {
        lock (_gate)
        {
            if (_known.Count + _staged.Count > capacity)
            {
                _known.Clear();
            }
            _known.UnionWith(_staged);
            _staged.Clear();
        }
    }

    /// <summary>
    /// The rows not known committed, without staging them: for a store whose transactions run concurrently, which
    /// calls <see cref="Remember"/> with them once its own transaction has committed.
    /// </summary>
    public List<T> Unknown(IEnumerable<T> rows)
    {
        lock (_gate)
        {
            return [.. rows.Where(row => !_known.Contains(row))];
        }
    }

    /// <summary>Rows a committed transaction inserted (or found present).</summary>
    public void Remember(IReadOnlyCollection<T> rows)
    {
        lock (_gate)
        {
            if (_known.Count + rows.Count > capacity)
            {
                _known.Clear();
            }
            _known.UnionWith(rows);
        }
    }

    /// <summary>The transaction rolled back: its staged rows may not exist.</summary>
    public void Discard()
    {
        lock (_gate)
        {
            _staged.Clear();
        }
    }
}
