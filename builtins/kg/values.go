package kg

import (
	"fmt"

	"go.starlark.net/starlark"

	"pare/builtins/host"
	"pare/ops/kg"
)

// Graph is the Starlark value of a loaded knowledge graph.
type Graph struct {
	g      *kg.Graph
	report *kg.LoadReport
}

var _ starlark.HasAttrs = (*Graph)(nil)

func (g *Graph) String() string        { return g.g.String() }
func (g *Graph) Type() string          { return "kg.graph" }
func (g *Graph) Freeze()               {}
func (g *Graph) Truth() starlark.Bool  { return true }
func (g *Graph) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: kg.graph") }

var graphAttrs = []string{"num_entities", "num_relations", "num_triples", "memory_bytes", "lines", "skipped", "skipped_by", "skipped_examples", "labels", "budget", "entity", "relation", "triples_of"}

func (g *Graph) AttrNames() []string { return graphAttrs }

func (g *Graph) Attr(name string) (starlark.Value, error) {
	switch name {
	case "num_entities":
		return starlark.MakeInt(g.g.NumEntities()), nil
	case "num_relations":
		return starlark.MakeInt(g.g.NumRelations()), nil
	case "num_triples":
		return starlark.MakeInt(g.g.NumTriples()), nil
	case "memory_bytes":
		return starlark.MakeInt64(g.g.MemoryBytes()), nil
	case "labels":
		return starlark.MakeInt(g.g.Entities().NumLabels()), nil
	case "lines", "skipped", "skipped_by", "skipped_examples":
		return g.reportAttr(name), nil
	case "budget":
		return starlark.NewBuiltin("kg.graph.budget", g.budget), nil
	case "entity":
		return starlark.NewBuiltin("kg.graph.entity", g.entity), nil
	case "relation":
		return starlark.NewBuiltin("kg.graph.relation", g.relation), nil
	case "triples_of":
		return starlark.NewBuiltin("kg.graph.triples_of", g.triplesOf), nil
	}
	return nil, nil
}

func (g *Graph) reportAttr(name string) starlark.Value {
	r := g.report
	if r == nil {
		r = &kg.LoadReport{}
	}
	switch name {
	case "lines":
		return starlark.MakeInt(r.Lines)
	case "skipped":
		return starlark.MakeInt(r.Skipped)
	case "skipped_by":
		d := starlark.NewDict(len(r.SkippedBy))
		for k, v := range r.SkippedBy {
			d.SetKey(starlark.String(k), starlark.MakeInt(v))
		}
		return d
	default:
		l := make([]starlark.Value, len(r.Examples))
		for i, e := range r.Examples {
			l[i] = starlark.String(e)
		}
		return starlark.NewList(l)
	}
}

// budget(ratio=None, count=None) returns K.
func (g *Graph) budget(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var ratio, count starlark.Value = starlark.None, starlark.None
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "ratio?", &ratio, "count?", &count); err != nil {
		return nil, err
	}
	k, err := resolveBudget(fn, g.g, ratio, count)
	if err != nil {
		return nil, err
	}
	return starlark.MakeInt(k), nil
}

func resolveBudget(fn *starlark.Builtin, g *kg.Graph, ratio, count starlark.Value) (int, error) {
	if (ratio == starlark.None) == (count == starlark.None) {
		return 0, host.Errorf(fn, "budget: got ratio=%s and count=%s, want exactly one of them", ratio, count)
	}
	if count != starlark.None {
		c, err := starlark.AsInt32(count)
		if err != nil {
			return 0, host.Errorf(fn, "count: got %s, want an int", count)
		}
		if c < 1 || c > g.NumTriples() {
			return 0, host.Errorf(fn, "count: got %d, want an int in [1, %d] (the graph's triples)", c, g.NumTriples())
		}
		return c, nil
	}
	r, ok := starlark.AsFloat(ratio)
	if !ok {
		return 0, host.Errorf(fn, "ratio: got %s, want a float in (0, 1]", ratio.Type())
	}
	k, err := kg.Budget(g, r, 0)
	if err != nil {
		return 0, host.Errorf(fn, "ratio: got %g: %v", r, err)
	}
	return k, nil
}

// entity(name) returns a struct(id, name, label, out_degree, in_degree).
func (g *Graph) entity(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var name string
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "name", &name); err != nil {
		return nil, err
	}
	e, ok := g.g.Entities().Lookup(name)
	if !ok {
		return nil, host.Errorf(fn, "name: got %q, want an entity of the graph", name)
	}
	return host.Struct("kg.entity", starlark.StringDict{
		"id":         starlark.MakeInt(int(e)),
		"name":       starlark.String(name),
		"label":      starlark.String(g.g.Entities().Label(e)),
		"out_degree": starlark.MakeInt(g.g.OutDegree(e)),
		"in_degree":  starlark.MakeInt(g.g.InDegree(e)),
	}), nil
}

// relation(name) returns a struct(id, name, triples).
func (g *Graph) relation(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var name string
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "name", &name); err != nil {
		return nil, err
	}
	r, ok := g.g.Relations().Lookup(name)
	if !ok {
		return nil, host.Errorf(fn, "name: got %q, want a relation of the graph", name)
	}
	return host.Struct("kg.relation", starlark.StringDict{
		"id":      starlark.MakeInt(int(r)),
		"name":    starlark.String(name),
		"triples": starlark.MakeInt(len(g.g.RelationTriples(r))),
	}), nil
}

// triples_of(head, relation) returns the tails as a list of names.
func (g *Graph) triplesOf(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var head, rel string
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "head", &head, "relation", &rel); err != nil {
		return nil, err
	}
	h, ok := g.g.Entities().Lookup(head)
	if !ok {
		return nil, host.Errorf(fn, "head: got %q, want an entity of the graph", head)
	}
	r, ok := g.g.Relations().Lookup(rel)
	if !ok {
		return nil, host.Errorf(fn, "relation: got %q, want a relation of the graph", rel)
	}
	tails := g.g.Tails(nil, h, r)
	out := make([]starlark.Value, len(tails))
	for i, t := range tails {
		out[i] = starlark.String(g.g.EntityName(t))
	}
	return starlark.NewList(out), nil
}

// QueryLog is the Starlark value of simulated or loaded query logs, one per
// user.
type QueryLog struct {
	g    *Graph
	logs [][]kg.Query
}

func (q *QueryLog) String() string {
	n := 0
	for _, l := range q.logs {
		n += len(l)
	}
	return fmt.Sprintf("kg.query_log(%s, %s)", kg.Count(len(q.logs), "user", "users"), kg.Count(n, "query", "queries"))
}
func (q *QueryLog) Type() string          { return "kg.query_log" }
func (q *QueryLog) Freeze()               {}
func (q *QueryLog) Truth() starlark.Bool  { return len(q.logs) > 0 }
func (q *QueryLog) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: kg.query_log") }
func (q *QueryLog) AttrNames() []string   { return []string{"users", "queries", "first"} }

func (q *QueryLog) Attr(name string) (starlark.Value, error) {
	switch name {
	case "users":
		return starlark.MakeInt(len(q.logs)), nil
	case "queries":
		n := 0
		for _, l := range q.logs {
			n += len(l)
		}
		return starlark.MakeInt(n), nil
	case "first":
		// The first user's queries as structs, for inspection.
		var out []starlark.Value
		if len(q.logs) > 0 {
			for _, x := range q.logs[0] {
				answers := make([]starlark.Value, len(x.Answers))
				for i, a := range x.Answers {
					answers[i] = starlark.String(q.g.g.EntityName(a))
				}
				out = append(out, host.Struct("kg.query", starlark.StringDict{
					"id":       starlark.String(x.ID),
					"topic":    starlark.String(q.g.g.EntityName(x.Topic)),
					"relation": starlark.String(q.g.g.RelationName(x.Relation)),
					"answers":  starlark.NewList(answers),
				}))
			}
		}
		return starlark.NewList(out), nil
	}
	return nil, nil
}
