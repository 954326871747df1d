package lang

import (
	"encoding/json"
	"math"
	"testing"
)

func TestJSONSafeSettings(t *testing.T) {
	type options struct {
		LR    float64   `json:"lr"`
		Decay float32   `json:"decay,omitempty"`
		Steps []float64 `json:"steps"`
		Skip  float64   `json:"-"`
		hid   float64
	}
	settings := map[string]any{
		"probe":  map[string]any{"lr": math.NaN(), "seed": 3, "name": "adam"},
		"opts":   options{LR: math.Inf(1), Steps: []float64{1, math.Inf(-1)}, Skip: math.NaN(), hid: math.NaN()},
		"ptr":    &options{LR: 0.5},
		"counts": []int{1, 2},
	}
	got, err := json.Marshal(jsonSafeSettings(settings))
	if err != nil {
		t.Fatalf("marshal after jsonSafeSettings: %v", err)
	}
	want := `{"counts":[1,2],"opts":{"lr":null,"steps":[1,null]},"probe":{"lr":null,"name":"adam","seed":3},"ptr":{"lr":0.5,"steps":null}}`
	if string(got) != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
	finite := map[string]any{"a": 1.5}
	if s := jsonSafeSettings(finite); s["a"] != 1.5 {
		t.Errorf("finite settings changed to %v", s)
	}
}
