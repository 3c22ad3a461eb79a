namespace Verity.Core.Storage;

/// <summary>
/// The append-only activity logs, every one described by a <see cref="LogDefinition"/>. Entries are appended and read;
/// nothing is ever updated, and the databases refuse UPDATE and DELETE on log tables themselves.
/// </summary>
public interface ILogStore
{
    /// <summary>Appends entries in one transaction, assigning each tenant's next sequence numbers in list order.</summary>
    /// <returns>The assigned sequence numbers, one per entry, in input order.</returns>
    Task<IReadOnlyList<long>> AppendAsync(IReadOnlyList<LogEntry> entries, CancellationToken ct);

    /// <summary>
    /// Appends a large stream of entries (imports, archives brought back, benchmark data) in transactions of
    /// <paramref name="batchSize"/> entries, through the engine's fastest path (binary COPY on PostgreSQL). Sequence
    /// numbers are reserved per batch exactly as <see cref="AppendAsync"/> does, so ordinary writers may run alongside.
    /// </summary>
    /// <returns>How many entries were appended.</returns>
    Task<long> BulkAppendAsync(IEnumerable<LogEntry> entries, int batchSize, CancellationToken ct);

    /// <summary>Reads one page. Never returns entries of another tenant or log.</summary>
    Task<LogPage> QueryAsync(LogQuery query, CancellationToken ct);

    /// <summary>
    /// The sequence number of the entry at <paramref name="offset"/> (0-based) in the query's order, or null when
    /// fewer entries match: where a download that stops after <paramref name="offset"/> rows resumes.
    /// </summary>
    Task<long?> SeqAtAsync(LogQuery query, long offset, CancellationToken ct);

    /// <summary>How many matching entries each UTC day holds (days without entries are left out), oldest first.</summary>
    Task<IReadOnlyList<LogBucket>> CountByDayAsync(LogQuery query, CancellationToken ct);

    /// <summary>
    /// The <paramref name="top"/> most frequent values of <paramref name="field"/> among matching entries, most frequent
    /// first; for a target field, each entry counts once per value.
    /// </summary>
    Task<IReadOnlyList<LogBucket>> CountByAsync(LogQuery query, LogField field, int top, CancellationToken ct);

    /// <summary>
    /// How many distinct values of <paramref name="field"/> the matching entries hold; for a field of the log's
    /// collection, among the elements whose <paramref name="itemCondition"/> field equals its value (targets of type User).
    /// </summary>
    Task<long> CountDistinctAsync(LogQuery query, LogField field, (LogField Field, string Value)? itemCondition, CancellationToken ct);

    /// <summary>How many entries match the query's filter (paging options are ignored).</summary>
    Task<long> CountAsync(LogQuery query, CancellationToken ct);

    /// <summary>Reads one entry by its id, or null when the tenant has no such entry.</summary>
    Task<StoredLogEntry?> GetAsync(Guid tenantId, LogName log, string id, CancellationToken ct);
}

/// <summary>A group of an aggregate: a UTC day (yyyy-MM-dd) or a field value, and how many entries it holds.</summary>
public sealed record LogBucket(string Key, long Count);
