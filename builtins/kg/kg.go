// Package kg is the Starlark module "kg": knowledge-graph loading, query
// logs, and the online evaluation of APEX², APEX²-N and baseline
// summarizers. The algorithms live in pare/ops/kg and its subpackages.
package kg

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/klauspost/compress/zstd"
	"go.starlark.net/starlark"

	"pare/builtins/host"
	"pare/ops/kg"
	"pare/ops/kg/apex"
	"pare/ops/kg/online"
	"pare/ops/store"
	"pare/ops/tensor"
)

func init() {
	host.Register(&host.Module{
		Name: "kg",
		Doc: "Knowledge graphs: loaders (TSV, N-Triples, WordNet 3.0), synthetic power-law graphs, simulated one-hop query logs, " +
			"and the online evaluation of personalized summarizers (APEX², APEX²-N, GLIMPSE, personalized PageRank, most-frequent entities, random).",
		Members: starlark.StringDict{
			"METHODS": methodList(),
		},
		Builtins: []host.Builtin{
			{Name: "load_tsv", Fn: loadTSV, Doc: `load_tsv(paths, names=None, lenient=False)

Load "head<TAB>relation<TAB>tail" triple files (plain, gzip or zstd, detected
from the content) into one deduplicated graph. paths is a path or a list of
paths, or a data-set folder, which must hold train.txt, valid.txt and
test.txt. names is an optional "key<TAB>label" file (FB15k-237 mid2name.txt)
giving entities readable labels. A malformed line (wrong field count, empty
name) fails with its file and line. With lenient=True it is skipped and
counted in the graph's skipped, skipped_by and skipped_examples and in
run.json, and a warning on stderr gives the count. A load without any
triple fails.`},
			{Name: "load_ntriples", Fn: loadNTriples, Doc: `load_ntriples(paths, lenient=False)

Load N-Triples files (W3C RDF 1.1; plain, gzip or zstd). IRIs become entity
names without angle brackets, blank nodes "_:label", literals their quoted
lexical form with "@lang" or "^^<datatype>". Bad escapes, relative IRIs and
malformed lines fail with file and line. lenient=True skips them as
load_tsv does.`},
			{Name: "load_wordnet", Fn: loadWordNet, Doc: `load_wordnet(dir, lenient=False)

Load the WordNet 3.0 database files data.noun, data.verb, data.adj and
data.adv from dir (Debian's wordnet-base installs them in /usr/share/wordnet).
Every pointer becomes a triple (synset, relation, synset). Synsets are named
"<offset>-<pos>" with pos n, v, a or r (satellite adjectives are "-a") and
labelled with their first lemma. A pointer to a synset that no file defines
fails with file and line; lenient=True skips and counts it.`},
			{Name: "synthetic", Fn: synthetic, Doc: `synthetic(triples, entities, relations, exponent=2.2, seed=0)

Generate a graph whose expected degrees follow a power law of the given
exponent (Chung-Lu), with relations drawn with probability proportional to
1/(rank+1). Duplicate draws collapse, so num_triples is below triples:
slightly when triples is far below entities^2 * relations, and by much more
as it nears that number of distinct triples. Each count must be at most
2^31 - 1 (ids are int32), and sizes whose estimated memory exceeds
--max-memory, or the machine's memory without it, fail.`},
			{Name: "write_synthetic", Fn: writeSynthetic, Doc: `write_synthetic(name, triples, entities, relations, exponent=2.2, seed=0, compress="")

Write the same triples as synthetic() as a TSV file under --out and return
its path. compress="zstd" compresses it with zstd; "" writes plain text.`},
			{Name: "simulate", Fn: simulate, Doc: `simulate(graph, users=1, queries=200, topics=20, shuffle=False, random_query_prob=0.0, seed=0)

Simulate query logs: each user draws topics distinct head entities, then
ceil(queries/topics) consecutive one-hop queries per topic, each on a random
outgoing relation of the topic, answered on the full graph. shuffle mixes
the log; random_query_prob replaces queries by ones on random head entities.
Returns a kg.query_log. Sizes whose logs would exceed --max-memory, or the
machine's memory without it, fail.`},
			{Name: "save_queries", Fn: saveQueries, Doc: `save_queries(log, name)

Write the log as JSONL ({"id", "user", "topic", "relation", "answers"} with
names) to name under --out and return the path.`},
			{Name: "load_queries", Fn: loadQueries, Doc: `load_queries(graph, path, allow_foreign_answers=False)

Read a JSONL query log written by save_queries. Each record needs exactly
the fields id (non-empty, unique), user (int >= 0), topic, relation and
answers (non-empty, no repeats). A topic, relation or answer that is not in
the graph, or an answer that is not a tail of (topic, relation, ?) in the
graph, fails with the file's path and line. allow_foreign_answers=True
keeps such answers as gold answers that no summary can return, and warns
with their count.`},
			{Name: "evaluate", Fn: evaluate, Doc: `evaluate(graph, log, methods=kg.METHODS, ratio=None, count=None, semantics="paper", gamma=0.5, alpha=0.3, hops=1, smoothing=0.5, admit_unqueried=False, trim=False, seed=0, steps=None, plot=None, title="")

Run the online protocol: for each user and method, build the summary from
q0 and test it on q1 (not averaged), then update with q_t (timed) and test on
q_{t+1}. The budget is K = floor(ratio * num_triples) or count. semantics
"paper" follows the APEX² equations, "reference" the reference code (see
docs/apex.md). steps names a JSONL file of per-step results and plot a PNG
of F1 and update time over the stream (.png, .svg or .pdf, by extension),
both under --out; "{ratio}" in
either name is replaced by ratio_key (or "k<count>"). title prefixes the
plot titles.

Returns a struct with k, ratio_key (the ratio as written in metrics, e.g.
"0.0001"), and methods: a list of structs with method, f1, precision, recall
(macro means over tests), precision_when_returned, ceiling (share of tests
whose topic was queried before), update_ms_median, update_ms_p95,
update_ms_mean, max_summary_triples and tests.`},
		},
	})
}

func methodList() *starlark.List {
	l := make([]starlark.Value, len(online.MethodNames))
	for i, m := range online.MethodNames {
		l[i] = starlark.String(m)
	}
	list := starlark.NewList(l)
	list.Freeze()
	return list
}

// stringOrList unpacks a path or a list of paths.
func stringOrList(fn *starlark.Builtin, what string, v starlark.Value) ([]string, error) {
	if s, ok := starlark.AsString(v); ok {
		return []string{s}, nil
	}
	l, err := host.StringList(fn, what, v)
	if err != nil {
		return nil, host.Errorf(fn, "%s: got %s, want a path or a list of paths", what, v.Type())
	}
	if len(l) == 0 {
		return nil, host.Errorf(fn, "%s: got an empty list, want at least one path", what)
	}
	return l, nil
}

// dataSetSplits are the files a data-set folder passed to a loader must
// contain.
var dataSetSplits = []string{"train.txt", "valid.txt", "test.txt"}

// inputs resolves and records each path; a folder stands for its
// train.txt, valid.txt and test.txt.
func inputs(thread *starlark.Thread, fn *starlark.Builtin, paths []string) ([]string, error) {
	s := host.Get(thread)
	var out []string
	for _, p := range paths {
		abs, err := s.ReadPath(fn.Name(), p)
		if err != nil {
			return nil, err
		}
		if info, err := os.Stat(abs); err == nil && info.IsDir() {
			var missing []string
			for _, split := range dataSetSplits {
				if _, err := os.Stat(filepath.Join(abs, split)); err != nil {
					missing = append(missing, split)
				}
			}
			if len(missing) > 0 {
				return nil, host.Errorf(fn, "paths: folder %s is missing %s; a data-set folder needs train.txt, valid.txt and test.txt, or pass the files themselves", p, strings.Join(missing, ", "))
			}
			for _, split := range dataSetSplits {
				f, err := s.OpenInput(fn.Name(), filepath.Join(abs, split))
				if err != nil {
					return nil, err
				}
				out = append(out, f)
			}
			continue
		}
		f, err := s.OpenInput(fn.Name(), p)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

func loadTSV(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var pathsV starlark.Value
	var names starlark.Value = starlark.None
	lenient := false
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "paths", &pathsV, "names?", &names, "lenient?", &lenient); err != nil {
		return nil, err
	}
	paths, err := stringOrList(fn, "paths", pathsV)
	if err != nil {
		return nil, err
	}
	files, err := inputs(thread, fn, paths)
	if err != nil {
		return nil, err
	}
	ctx := host.Context(thread)
	opt := kg.LoadOptions{Lenient: lenient}
	g, rep, err := kg.LoadTSV(ctx, files, opt)
	if err != nil {
		return nil, host.Errorf(fn, "%v", err)
	}
	reportSkips(thread, fn, rep, lenient)
	if names != starlark.None {
		p, ok := starlark.AsString(names)
		if !ok {
			return nil, host.Errorf(fn, "names: got %s, want a path", names.Type())
		}
		f, err := host.Get(thread).OpenInput(fn.Name(), p)
		if err != nil {
			return nil, err
		}
		if _, _, _, err := kg.LoadNames(ctx, f, g, opt); err != nil {
			return nil, host.Errorf(fn, "names: %v", err)
		}
	}
	return &Graph{g: g, report: rep}, nil
}

func loadNTriples(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var pathsV starlark.Value
	lenient := false
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "paths", &pathsV, "lenient?", &lenient); err != nil {
		return nil, err
	}
	paths, err := stringOrList(fn, "paths", pathsV)
	if err != nil {
		return nil, err
	}
	files, err := inputs(thread, fn, paths)
	if err != nil {
		return nil, err
	}
	g, rep, err := kg.LoadNTriples(host.Context(thread), files, kg.LoadOptions{Lenient: lenient})
	if err != nil {
		return nil, host.Errorf(fn, "%v", err)
	}
	reportSkips(thread, fn, rep, lenient)
	return &Graph{g: g, report: rep}, nil
}

func loadWordNet(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var dir string
	lenient := false
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "dir", &dir, "lenient?", &lenient); err != nil {
		return nil, err
	}
	s := host.Get(thread)
	abs, err := s.ReadPath(fn.Name(), dir)
	if err != nil {
		return nil, err
	}
	for _, wf := range kg.WordNetFiles {
		p := filepath.Join(abs, wf.File)
		if _, err := os.Stat(p); err != nil {
			return nil, host.Errorf(fn, "dir: %s has no %s; install WordNet 3.0 (apt-get install wordnet-base) or give the folder holding data.noun", dir, wf.File)
		}
		if _, err := s.OpenInput(fn.Name(), p); err != nil {
			return nil, err
		}
	}
	g, rep, err := kg.LoadWordNet(host.Context(thread), abs, kg.LoadOptions{Lenient: lenient})
	if err != nil {
		return nil, host.Errorf(fn, "%v", err)
	}
	reportSkips(thread, fn, rep, lenient)
	return &Graph{g: g, report: rep}, nil
}

// warn prints a warning line for the run on stderr.
func warn(thread *starlark.Thread, fn *starlark.Builtin, format string, args ...any) {
	fmt.Fprintf(host.Get(thread).Stderr, "warning: %s: %s\n", fn.Name(), fmt.Sprintf(format, args...))
}

// reportSkips records a lenient load's skip counts in run.json and warns
// on stderr when lines were skipped.
func reportSkips(thread *starlark.Thread, fn *starlark.Builtin, rep *kg.LoadReport, lenient bool) {
	if !lenient {
		return
	}
	host.Get(thread).RecordSetting(fn.Name(), map[string]any{
		"lenient": true, "files": rep.Files, "lines": rep.Lines, "triples_read": rep.Triples,
		"skipped": rep.Skipped, "skipped_by": rep.SkippedBy, "skipped_examples": rep.Examples,
	})
	if rep.Skipped == 0 {
		return
	}
	first := ""
	if len(rep.Examples) > 0 {
		first = "; first: " + rep.Examples[0]
	}
	warn(thread, fn, "skipped %d of %d %s as malformed (%s)%s", rep.Skipped, rep.Lines, plural(rep.Lines, "line", "lines"), skipReasons(rep.SkippedBy), first)
}

// skipReasons lists "reason: count" pairs sorted by reason.
func skipReasons(by map[string]int) string {
	keys := make([]string, 0, len(by))
	for k := range by {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s: %d", k, by[k])
	}
	return strings.Join(parts, ", ")
}

// plural returns one when n is 1 and many otherwise.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func synthOptions(fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple, extra ...any) (kg.SynthOptions, error) {
	var o kg.SynthOptions
	o.Exponent = 2.2
	var seed int64
	pairs := []any{"triples", &o.Triples, "entities", &o.Entities, "relations", &o.Relations, "exponent?", &o.Exponent, "seed?", &seed}
	if err := host.UnpackArgs(fn.Name(), args, kwargs, append(extra, pairs...)...); err != nil {
		return o, err
	}
	if seed < 0 {
		return o, host.Errorf(fn, "seed: got %d, want an int >= 0", seed)
	}
	o.Seed = uint64(seed)
	return o, nil
}

func synthetic(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	o, err := synthOptions(fn, args, kwargs)
	if err != nil {
		return nil, err
	}
	host.Get(thread).RecordSetting("kg.synthetic", o)
	o.MemoryLimit = tensor.MemoryLimit() // --max-memory, or 0 for the machine's memory
	g, err := kg.Synthesize(host.Context(thread), o)
	if err != nil {
		return nil, host.Errorf(fn, "%v", err)
	}
	return &Graph{g: g}, nil
}

func writeSynthetic(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var name string
	compress := ""
	// compress is taken out of kwargs here so that synthOptions can unpack
	// the rest together with name.
	var rest []starlark.Tuple
	for _, kv := range kwargs {
		if k, _ := starlark.AsString(kv[0]); k == "compress" {
			s, ok := starlark.AsString(kv[1])
			if !ok {
				return nil, host.Errorf(fn, "compress: got %s, want \"\" or \"zstd\"", kv[1].Type())
			}
			compress = s
			continue
		}
		rest = append(rest, kv)
	}
	o, err := synthOptions(fn, args, rest, "name", &name)
	if err != nil {
		return nil, err
	}
	if compress != "" && compress != "zstd" {
		return nil, host.Errorf(fn, "compress: got %q, want \"\" or \"zstd\"", compress)
	}
	s := host.Get(thread)
	path, err := s.OutputPath(fn.Name(), name)
	if err != nil {
		return nil, err
	}
	ctx := host.Context(thread)
	err = store.WriteFileAtomic(path, func(w io.Writer) error {
		if compress == "zstd" {
			zw, err := zstd.NewWriter(w, zstd.WithEncoderLevel(zstd.SpeedFastest))
			if err != nil {
				return err
			}
			if err := kg.WriteSynthetic(ctx, zw, o); err != nil {
				zw.Close()
				return err
			}
			return zw.Close()
		}
		return kg.WriteSynthetic(ctx, w, o)
	})
	if err != nil {
		return nil, host.Errorf(fn, "%v", err)
	}
	return starlark.String(path), nil
}

func simulate(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var g *Graph
	o := kg.DefaultSimulateOptions()
	var seed int64
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "graph", &g, "users?", &o.Users, "queries?", &o.Queries, "topics?", &o.Topics,
		"shuffle?", &o.Shuffle, "random_query_prob?", &o.RandomQueryProb, "seed?", &seed); err != nil {
		return nil, err
	}
	switch {
	case o.Users < 1:
		return nil, host.Errorf(fn, "users: got %d, want an int >= 1", o.Users)
	case o.Queries < 3:
		return nil, host.Errorf(fn, "queries: got %d, want an int >= 3 (the protocol tests on q1 and later)", o.Queries)
	case o.Topics < 1 || o.Topics > o.Queries:
		return nil, host.Errorf(fn, "topics: got %d, want an int in [1, %d]", o.Topics, o.Queries)
	case !(o.RandomQueryProb >= 0 && o.RandomQueryProb <= 1):
		return nil, host.Errorf(fn, "random_query_prob: got %g, want a float in [0, 1]", o.RandomQueryProb)
	case seed < 0:
		return nil, host.Errorf(fn, "seed: got %d, want an int >= 0", seed)
	}
	o.Seed = uint64(seed)
	host.Get(thread).RecordSetting("kg.simulate", o)
	o.MemoryLimit = tensor.MemoryLimit() // --max-memory, or 0 for the machine's memory
	logs, err := kg.Simulate(host.Context(thread), g.g, o)
	if err != nil {
		return nil, host.Errorf(fn, "%v", err)
	}
	return &QueryLog{g: g, logs: logs}, nil
}

func saveQueries(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var log *QueryLog
	var name string
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "log", &log, "name", &name); err != nil {
		return nil, err
	}
	path, err := host.Get(thread).OutputPath(fn.Name(), name)
	if err != nil {
		return nil, err
	}
	var all []kg.Query
	for _, l := range log.logs {
		all = append(all, l...)
	}
	if err := store.WriteFileAtomic(path, func(w io.Writer) error { return kg.WriteQueries(w, log.g.g, all) }); err != nil {
		return nil, host.Errorf(fn, "%v", err)
	}
	return starlark.String(path), nil
}

func loadQueries(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var g *Graph
	var path string
	var opt kg.ReadQueriesOptions
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "graph", &g, "path", &path, "allow_foreign_answers?", &opt.AllowForeignAnswers); err != nil {
		return nil, err
	}
	abs, err := host.Get(thread).OpenInput(fn.Name(), path)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(abs)
	if err != nil {
		return nil, host.Errorf(fn, "%v", err)
	}
	defer f.Close()
	qs, rep, err := kg.ReadQueries(f, abs, g.g, opt)
	if err != nil {
		return nil, host.Errorf(fn, "%v", err)
	}
	if opt.AllowForeignAnswers {
		host.Get(thread).RecordSetting(fn.Name(), map[string]any{
			"file": abs, "records": rep.Records, "allow_foreign_answers": true,
			"foreign_answers": rep.ForeignAnswers, "foreign_examples": rep.ForeignExamples,
		})
	}
	if rep.ForeignAnswers > 0 {
		warn(thread, fn, "kept %d gold %s that no summary can return, because %s not a tail of its (topic, relation, ?) in the graph; first: %s",
			rep.ForeignAnswers, plural(rep.ForeignAnswers, "answer", "answers"), plural(rep.ForeignAnswers, "it is", "each is"), rep.ForeignExamples[0])
	}
	// Group by user, keeping file order within each user.
	var logs [][]kg.Query
	index := map[int]int{}
	for _, q := range qs {
		i, ok := index[q.User]
		if !ok {
			i = len(logs)
			index[q.User] = i
			logs = append(logs, nil)
		}
		logs[i] = append(logs[i], q)
	}
	return &QueryLog{g: g, logs: logs}, nil
}

func evaluate(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var g *Graph
	var log *QueryLog
	var methodsV starlark.Value = methodList()
	var ratio, count starlark.Value = starlark.None, starlark.None
	semantics := "paper"
	opt := online.DefaultMethodOptions()
	a := &opt.Apex
	var seed int64
	var steps, plotName starlark.Value = starlark.None, starlark.None
	title := ""
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "graph", &g, "log", &log, "methods?", &methodsV,
		"ratio?", &ratio, "count?", &count, "semantics?", &semantics, "gamma?", &a.Gamma, "alpha?", &a.Alpha,
		"hops?", &a.Hops, "smoothing?", &a.Smoothing, "admit_unqueried?", &a.AdmitUnqueried, "trim?", &a.TrimToBudget,
		"seed?", &seed, "steps?", &steps, "plot?", &plotName, "title?", &title); err != nil {
		return nil, err
	}
	if log.g.g != g.g {
		return nil, host.Errorf(fn, "log: got a log of another graph, want one simulated or loaded on this graph")
	}
	if len(log.logs) == 0 {
		return nil, host.Errorf(fn, "log: got an empty query log, want at least one user with 3 or more queries")
	}
	methods, err := host.StringList(fn, "methods", methodsV)
	if err != nil {
		return nil, err
	}
	sem, err := apex.ParseSemantics(semantics)
	if err != nil {
		return nil, host.Errorf(fn, "semantics: got %q, want \"paper\" or \"reference\"", semantics)
	}
	a.Semantics = sem
	if err := a.Validate(); err != nil {
		return nil, host.Errorf(fn, "%v", err)
	}
	if seed < 0 {
		return nil, host.Errorf(fn, "seed: got %d, want an int >= 0", seed)
	}
	opt.Seed = uint64(seed)
	k, err := resolveBudget(fn, g.g, ratio, count)
	if err != nil {
		return nil, err
	}
	factories, err := online.Methods(g.g, k, methods, opt)
	if err != nil {
		return nil, host.Errorf(fn, "methods: %v", err)
	}
	for u, l := range log.logs {
		if len(l) < 3 {
			return nil, host.Errorf(fn, "log: user %d has %s, want at least 3", u, kg.Count(len(l), "query", "queries"))
		}
	}

	s := host.Get(thread)
	ratioKey := ""
	if r, ok := starlark.AsFloat(ratio); ok && ratio != starlark.None {
		ratioKey = strconv.FormatFloat(r, 'f', -1, 64)
	}
	s.RecordSetting("kg.evaluate", map[string]any{
		"k": k, "ratio": ratioKey, "methods": methods, "semantics": sem.String(), "gamma": a.Gamma, "alpha": a.Alpha,
		"hops": a.Hops, "smoothing": a.Smoothing, "delta_threshold": a.DeltaThreshold, "entity_prune": a.EntityPrune,
		"triple_prune": a.TriplePrune, "admit_unqueried": a.AdmitUnqueried, "trim": a.TrimToBudget, "seed": seed,
		"glimpse": opt.Glimpse, "ppr": opt.PPR,
	})
	nameKey := ratioKey
	if nameKey == "" {
		nameKey = fmt.Sprintf("k%d", k)
	}
	var stepsPath, plotPath string
	if steps != starlark.None {
		if stepsPath, err = outputName(s, fn, "steps", steps, nameKey); err != nil {
			return nil, err
		}
	}
	if plotName != starlark.None {
		if plotPath, err = outputName(s, fn, "plot", plotName, nameKey); err != nil {
			return nil, err
		}
		if _, err := online.PlotFormat(plotPath); err != nil {
			return nil, host.Errorf(fn, "plot: got %q, want a file name ending in .png, .svg or .pdf", plotName.(starlark.String).GoString())
		}
	}

	progress := s.NewProgress(fmt.Sprintf("kg.evaluate K=%d", k), len(log.logs)*len(factories))
	ctx := host.Context(thread)
	results, err := online.Run(ctx, g.g, log.logs, factories, online.Options{Progress: func(done, total int) { progress.Add(1, "") }})
	progress.Done()
	if err != nil {
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		return nil, host.Errorf(fn, "%v", err)
	}

	if stepsPath != "" {
		if err := store.WriteFileAtomic(stepsPath, func(w io.Writer) error { return online.WriteSteps(w, results) }); err != nil {
			return nil, host.Errorf(fn, "steps: %v", err)
		}
	}
	if plotPath != "" {
		t := fmt.Sprintf("K = %d", k)
		if ratioKey != "" {
			t = fmt.Sprintf("ratio %s, K = %d", ratioKey, k)
		}
		if title != "" {
			t = title + ", " + t
		}
		title = t
		if err := online.PlotStream(plotPath, title, results, 10); err != nil {
			return nil, host.Errorf(fn, "plot: %v", err)
		}
	}
	return resultValue(k, ratioKey, results), nil
}

func outputName(s *host.Session, fn *starlark.Builtin, what string, v starlark.Value, key string) (string, error) {
	name, ok := starlark.AsString(v)
	if !ok || name == "" {
		return "", host.Errorf(fn, "%s: got %s, want a file name under --out", what, v.Type())
	}
	return s.OutputPath(fn.Name(), strings.ReplaceAll(name, "{ratio}", key))
}

func resultValue(k int, ratioKey string, results []online.Result) starlark.Value {
	list := make([]starlark.Value, len(results))
	for i, r := range results {
		list[i] = host.Struct("kg.method_result", starlark.StringDict{
			"method":                  starlark.String(r.Method),
			"f1":                      starlark.Float(r.F1),
			"precision":               starlark.Float(r.Precision),
			"recall":                  starlark.Float(r.Recall),
			"precision_when_returned": starlark.Float(r.PrecisionWhenReturned),
			"ceiling":                 starlark.Float(r.Ceiling),
			"update_ms_median":        starlark.Float(r.UpdateMedianMS),
			"update_ms_p95":           starlark.Float(r.UpdateP95MS),
			"update_ms_mean":          starlark.Float(r.UpdateMeanMS),
			"max_summary_triples":     starlark.MakeInt(r.MaxSummaryTriples),
			"tests":                   starlark.MakeInt(r.Tests),
		})
	}
	return host.Struct("kg.evaluation", starlark.StringDict{
		"k":         starlark.MakeInt(k),
		"ratio_key": starlark.String(ratioKey),
		"methods":   starlark.NewList(list),
	})
}
