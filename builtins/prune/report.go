package prune

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"go.starlark.net/starlark"

	"pare/ops/prune"
)

// Report is the Starlark value of a pruning report. Its attributes are the
// fields of pruning.json (criterion, allocation, gamma, target_sparsity,
// kept_kv_groups, kept_mlp_channels, achieved_sparsity_decoder,
// achieved_sparsity_total, params_kept_decoder, params_kept_total,
// chosen_seed, kl, candidate_kls, ...). Every field is always present:
// settings the criterion does not use are None and empty lists are [].
type Report struct {
	r      *prune.Report
	fields map[string]starlark.Value
	names  []string
}

var (
	_ starlark.HasAttrs = (*Report)(nil)
)

func newReport(r *prune.Report) (*Report, error) {
	v := &Report{r: r, fields: map[string]starlark.Value{}}
	rv := reflect.ValueOf(r).Elem()
	rt := rv.Type()
	for i := 0; i < rt.NumField(); i++ {
		name := jsonName(rt.Field(i))
		if name == "" {
			continue
		}
		v.fields[name] = toStarlark(rv.Field(i), nullable[name])
		v.names = append(v.names, name)
	}
	sort.Strings(v.names)
	return v, nil
}

// nullable lists the report fields that are None when the criterion does
// not use them (the Go zero value "" or 0), as pruning.json writes null.
var nullable = map[string]bool{"reduction": true, "keep_group": true, "mlp_align": true, "bias_compensation": true}

// jsonName returns the JSON name of a struct field ("" for skipped ones).
func jsonName(f reflect.StructField) string {
	tag := f.Tag.Get("json")
	if tag == "-" || !f.IsExported() {
		return ""
	}
	if name, _, _ := strings.Cut(tag, ","); name != "" {
		return name
	}
	return f.Name
}

// toStarlark converts a report field from its Go value, so float fields
// stay floats (a JSON round trip would turn 3.0 into the int 3). Nil lists
// become empty lists, nil pointers None, and structs dicts keyed by their
// JSON names in sorted order. With zeroIsNone, a zero value is None.
func toStarlark(x reflect.Value, zeroIsNone bool) starlark.Value {
	if zeroIsNone && x.IsZero() {
		return starlark.None
	}
	switch x.Kind() {
	case reflect.Pointer:
		if x.IsNil() {
			return starlark.None
		}
		return toStarlark(x.Elem(), false)
	case reflect.Bool:
		return starlark.Bool(x.Bool())
	case reflect.String:
		return starlark.String(x.String())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return starlark.MakeInt64(x.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return starlark.MakeUint64(x.Uint())
	case reflect.Float32, reflect.Float64:
		return starlark.Float(x.Float())
	case reflect.Slice, reflect.Array:
		out := make([]starlark.Value, x.Len())
		for i := range out {
			out[i] = toStarlark(x.Index(i), false)
		}
		return starlark.NewList(out)
	case reflect.Struct:
		t := x.Type()
		type kv struct {
			k string
			v starlark.Value
		}
		var items []kv
		for i := 0; i < t.NumField(); i++ {
			if name := jsonName(t.Field(i)); name != "" {
				items = append(items, kv{name, toStarlark(x.Field(i), false)})
			}
		}
		sort.Slice(items, func(i, j int) bool { return items[i].k < items[j].k })
		d := starlark.NewDict(len(items))
		for _, it := range items {
			_ = d.SetKey(starlark.String(it.k), it.v)
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
