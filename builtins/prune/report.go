package prune

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"

	"go.starlark.net/starlark"

	"pare/ops/prune"
)

// Report is the Starlark value of a pruning report. Its attributes are the
// fields of pruning.json (criterion, allocation, gamma, target_sparsity,
// kept_kv_groups, kept_mlp_channels, achieved_sparsity_decoder,
// achieved_sparsity_total, params_kept_decoder, params_kept_total,
// chosen_seed, kl, candidate_kls, ...).
type Report struct {
	r      *prune.Report
	fields map[string]starlark.Value
	names  []string
}

var (
	_ starlark.HasAttrs = (*Report)(nil)
)

func newReport(r *prune.Report) (*Report, error) {
	raw, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		return nil, err
	}
	v := &Report{r: r, fields: map[string]starlark.Value{}}
	for k, x := range obj {
		v.fields[k] = fromJSON(x)
		v.names = append(v.names, k)
	}
	sort.Strings(v.names)
	return v, nil
}

// fromJSON converts a decoded JSON value (numbers as json.Number) to
// Starlark: objects become dicts with sorted keys.
func fromJSON(x any) starlark.Value {
	switch v := x.(type) {
	case nil:
		return starlark.None
	case bool:
		return starlark.Bool(v)
	case string:
		return starlark.String(v)
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return starlark.MakeInt64(i)
		}
		f, _ := v.Float64()
		return starlark.Float(f)
	case []any:
		out := make([]starlark.Value, len(v))
		for i, e := range v {
			out[i] = fromJSON(e)
		}
		return starlark.NewList(out)
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		d := starlark.NewDict(len(keys))
		for _, k := range keys {
			_ = d.SetKey(starlark.String(k), fromJSON(v[k]))
		}
		return d
	}
	return starlark.None
}

func (v *Report) String() string {
	r := v.r
	s := fmt.Sprintf("<prune.report %s allocation=%s target_sparsity=%g achieved_sparsity_decoder=%.4f achieved_sparsity_total=%.4f layer_query_heads=%v layer_mlp_width=%v",
		r.Criterion, r.Allocation, r.TargetSparsity, r.AchievedSparsityDecoder, r.AchievedSparsityTotal, r.LayerHeads, r.LayerHidden)
	if r.KL != nil {
		s += fmt.Sprintf(" kl=%.5g", *r.KL)
	}
	if r.CalibrationSeed != nil {
		s += fmt.Sprintf(" chosen_seed=%d", *r.CalibrationSeed)
	}
	return s + ">"
}
func (v *Report) Type() string          { return "prune.report" }
func (v *Report) Freeze()               {}
func (v *Report) Truth() starlark.Bool  { return true }
func (v *Report) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: prune.report") }
func (v *Report) AttrNames() []string   { return v.names }

func (v *Report) Attr(name string) (starlark.Value, error) {
	if f, ok := v.fields[name]; ok {
		return f, nil
	}
	return nil, nil
}

// JSONValue returns the pruning.json object, so report() and
// io.write_json can record a report.
func (v *Report) JSONValue() (any, error) {
	raw, err := json.Marshal(v.r)
	if err != nil {
		return nil, err
	}
	var obj any
	err = json.Unmarshal(raw, &obj)
	return obj, err
}
