// Package storebench benchmarks the SQLite store (data) and the PostgreSQL
// store (pgstore) side by side, on the same synthetic archive (package
// synth) and the same operations: imports with the search index, a day's
// digest, search latencies, a day of 100,000 articles and one slot for
// 10,000 subscriptions. The benchmarks are in bench_test.go (run with
// -bench; plain go test runs none of them).
package storebench
