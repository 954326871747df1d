package lang

import (
	"fmt"
	"math"
	"reflect"
	"strings"
)

// jsonSafe returns v with every NaN or infinite float replaced by nil, so
// that encoding/json can write it. A recipe may pass NaN as a setting, and
// run.json must still be written. Maps and structs become map[string]any
// (structs keyed by their json tags), slices and arrays become []any, and
// other values are returned unchanged.
func jsonSafe(v any) any {
	return jsonSafeValue(reflect.ValueOf(v))
}

func jsonSafeValue(v reflect.Value) any {
	switch v.Kind() {
	case reflect.Invalid:
		return nil
	case reflect.Float32, reflect.Float64:
		if f := v.Float(); math.IsNaN(f) || math.IsInf(f, 0) {
			return nil
		}
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return jsonSafeValue(v.Elem())
	case reflect.Map:
		out := make(map[string]any, v.Len())
		iter := v.MapRange()
		for iter.Next() {
			out[fmt.Sprint(iter.Key().Interface())] = jsonSafeValue(iter.Value())
		}
		return out
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			return nil
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			break // encoding/json writes bytes as base64
		}
		out := make([]any, v.Len())
		for i := range out {
			out[i] = jsonSafeValue(v.Index(i))
		}
		return out
	case reflect.Struct:
		out := map[string]any{}
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" && opts == "" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			fv := v.Field(i)
			if strings.Contains(opts, "omitempty") && fv.IsZero() {
				continue
			}
			out[name] = jsonSafeValue(fv)
		}
		return out
	}
	if !v.CanInterface() {
		return nil
	}
	return v.Interface()
}
