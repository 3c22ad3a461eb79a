using BenchmarkDotNet.Attributes;
using CsvHelper;
using Verity.Server.AuditLogs;
using Verity.Tests;

namespace Verity.Benchmarks.Downloads;

/// <summary>
/// What one 1,000-row page of a CSV download costs the server beyond reading it: the baseline writes the stored
/// JSON bytes as they are (the JSON download), the other turns each entry into an Entra CSV row (86 columns and Notes).
/// </summary>
[MemoryDiagnoser]
public class CsvBenchmarks
{
    private byte[][] _page = [];

    [GlobalSetup]
    public void Setup() => _page = [.. SyntheticAudits.Generate(Guid.Parse("4b1d7c4e-3f0a-4c55-9d8e-1a2b3c4d5e6f"), 1_000).Select(e => e.Json)];

    [Benchmark(Baseline = true)]
    public async Task JsonPage()
    {
        await using var json = new System.Text.Json.Utf8JsonWriter(Stream.Null);
        json.WriteStartArray();
        foreach (var entry in _page)
        {
            json.WriteRawValue(entry, skipInputValidation: true);
        }
        json.WriteEndArray();
        await json.FlushAsync();
    }

    [Benchmark]
    public async Task CsvPage()
    {
        await using var csv = CsvWriter.Create(Stream.Null, new CsvWriterOptions { WriteByteOrderMark = true, Injection = CsvInjection.Escape }, leaveOpen: true);
        foreach (var entry in _page)
        {
            await AuditCsv.Instance.WriteRowAsync(csv, entry, default);
        }
        await csv.FlushAsync(default);
    }
}
