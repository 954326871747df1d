// Package kgscale holds the knowledge-graph scale benchmarks: loading 12
// million triples from TSV, the store's memory per triple, and the APEX²-N
// update time on a 12M-triple synthetic graph next to FB15k-237's.
//
//	go test ./bench/kgscale -run '^$' -bench . -benchtime 1x -timeout 30m
//
// PARE_DATA must be set for the FB15k-237 benchmark. The 12M-triple
// benchmarks write a temporary TSV file of about 300 MB.
package kgscale

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"pare/ops/kg"
	"pare/ops/kg/apex"
	"pare/ops/kg/online"
)

// Scale is the synthetic graph of the scale target: 12M draws (slightly
// fewer distinct triples), 1M entities, 500 relations, degree exponent 2.2.
var Scale = kg.SynthOptions{Triples: 12_000_000, Entities: 1_000_000, Relations: 500, Exponent: 2.2, Seed: 0}

var (
	tsvOnce sync.Once
	tsvPath string
	tsvErr  error
)

// scaleTSV writes the synthetic graph as TSV once per process.
func scaleTSV(b *testing.B) string {
	tsvOnce.Do(func() {
		dir, err := os.MkdirTemp("", "kgscale-")
		if err != nil {
			tsvErr = err
			return
		}
		tsvPath = filepath.Join(dir, "synthetic12m.tsv")
		f, err := os.Create(tsvPath)
		if err != nil {
			tsvErr = err
			return
		}
		if err := kg.WriteSynthetic(context.Background(), f, Scale); err != nil {
			tsvErr = err
		}
		if err := f.Close(); err != nil && tsvErr == nil {
			tsvErr = err
		}
	})
	if tsvErr != nil {
		b.Fatal(tsvErr)
	}
	return tsvPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if tsvPath != "" {
		os.RemoveAll(filepath.Dir(tsvPath))
	}
	os.Exit(code)
}

// cpuSeconds returns the process's user plus system CPU time. On a shared
// machine it separates the loader's own cost from time spent waiting for a
// core.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return math.NaN()
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// BenchmarkLoadTSV12M loads the 12M-triple TSV file and reports seconds per
// load, the graph's size, and its memory per triple: the live heap it
// retains after a full collection, and the store's own accounting.
func BenchmarkLoadTSV12M(b *testing.B) {
	path := scaleTSV(b)
	info, _ := os.Stat(path)
	b.SetBytes(info.Size())
	b.ResetTimer()
	var g *kg.Graph
	for i := 0; i < b.N; i++ {
		g = nil
		before := heapInUse()
		var err error
		cpu0 := cpuSeconds()
		start := time.Now()
		g, _, err = kg.LoadTSV(context.Background(), []string{path}, kg.LoadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(time.Since(start).Seconds(), "s/load")
		b.ReportMetric(cpuSeconds()-cpu0, "cpu-s/load")
		b.StopTimer()
		live := heapInUse() - before
		b.ReportMetric(float64(live)/float64(g.NumTriples()), "heap-B/triple")
		b.ReportMetric(float64(g.MemoryBytes())/float64(g.NumTriples()), "store-B/triple")
		b.ReportMetric(float64(g.NumTriples()), "triples")
		b.ReportMetric(float64(g.NumEntities()), "entities")
		b.StartTimer()
	}
	runtime.KeepAlive(g)
}

// updateTimes runs APEX²-N through one simulated user's 200 queries and
// returns the per-update times in milliseconds (the initial build
// excluded, as in the protocol).
func updateTimes(b *testing.B, g *kg.Graph, ratio float64, method string) []float64 {
	k, err := kg.Budget(g, ratio, 0)
	if err != nil {
		b.Fatal(err)
	}
	return updateTimesK(b, g, k, method)
}

// fb15k237K is the budget of FB15k-237's train split at ratio 1e-4.
const fb15k237K = 27

// updateTimesK is updateTimes with an absolute budget of k triples.
func updateTimesK(b *testing.B, g *kg.Graph, k int, method string) []float64 {
	logs, err := kg.Simulate(context.Background(), g, kg.SimulateOptions{Users: 3, Queries: 200, Topics: 20, Seed: 0})
	if err != nil {
		b.Fatal(err)
	}
	var times, work []float64
	for _, log := range logs {
		var s kg.Summarizer
		if method == "apex2_n" {
			s, err = apex.NewNodes(g, k, apex.DefaultOptions())
		} else {
			s, err = apex.NewTriples(g, k, apex.DefaultOptions())
		}
		if err != nil {
			b.Fatal(err)
		}
		for t, q := range log {
			start := time.Now()
			if err := s.Update(q); err != nil {
				b.Fatal(err)
			}
			if t > 0 {
				times = append(times, float64(time.Since(start).Nanoseconds())/1e6)
				work = append(work, float64(pushWork(g, q)))
			}
		}
	}
	slices.Sort(times)
	slices.Sort(work)
	b.ReportMetric(online.Quantile(work, 0.5), "edges/update-median")
	b.ReportMetric(online.Quantile(work, 0.95), "edges/update-p95")
	return times
}

// pushWork is the number of edge visits of a one-hop diffusion of q: the
// degrees of the topic and of its answers on the full graph.
func pushWork(g *kg.Graph, q kg.Query) int {
	n := g.Degree(q.Topic)
	for _, a := range g.Tails(nil, q.Topic, q.Relation) {
		n += g.Degree(a)
	}
	return n
}

func reportUpdates(b *testing.B, times []float64) {
	b.ReportMetric(online.Quantile(times, 0.5), "ms/update-median")
	b.ReportMetric(online.Quantile(times, 0.95), "ms/update-p95")
}

func fb15k237(b *testing.B) *kg.Graph {
	dir := os.Getenv("PARE_DATA")
	if dir == "" {
		b.Skip("PARE_DATA is not set")
	}
	g, _, err := kg.LoadTSV(context.Background(), []string{filepath.Join(dir, "kg", "FB15k-237", "train.txt")}, kg.LoadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	return g
}

var (
	scaleOnce  sync.Once
	scaleGraph *kg.Graph
)

func synthetic12M(b *testing.B) *kg.Graph {
	scaleOnce.Do(func() {
		g, err := kg.Synthesize(context.Background(), Scale)
		if err != nil {
			b.Fatal(err)
		}
		scaleGraph = g
	})
	return scaleGraph
}

// The update benchmarks report the median and 95th percentile over 3 users
// x 199 timed updates at budget ratio 1e-4, and the same quantiles of the
// diffusion's edge visits per update. ns/op is one whole pass.
func BenchmarkApexNUpdateFB15k237(b *testing.B) {
	g := fb15k237(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		reportUpdates(b, updateTimes(b, g, 1e-4, "apex2_n"))
	}
}

func BenchmarkApexNUpdateSynthetic12M(b *testing.B) {
	g := synthetic12M(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		reportUpdates(b, updateTimes(b, g, 1e-4, "apex2_n"))
	}
}

func BenchmarkApexUpdateFB15k237(b *testing.B) {
	g := fb15k237(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		reportUpdates(b, updateTimes(b, g, 1e-4, "apex2"))
	}
}

func BenchmarkApexUpdateSynthetic12M(b *testing.B) {
	g := synthetic12M(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		reportUpdates(b, updateTimes(b, g, 1e-4, "apex2"))
	}
}

// The SameK benchmarks use FB15k-237's budget at ratio 1e-4 (27 triples) on
// the 12M-triple graph, so the summary's size does not grow with the graph
// and only the update itself is compared.
func BenchmarkApexNUpdateSynthetic12MSameK(b *testing.B) {
	g := synthetic12M(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		reportUpdates(b, updateTimesK(b, g, fb15k237K, "apex2_n"))
	}
}

func BenchmarkApexUpdateSynthetic12MSameK(b *testing.B) {
	g := synthetic12M(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		reportUpdates(b, updateTimesK(b, g, fb15k237K, "apex2"))
	}
}
