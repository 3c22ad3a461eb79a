using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Verity.Benchmarks.Query.FilterBenchmarks).Assembly).Run(args);
