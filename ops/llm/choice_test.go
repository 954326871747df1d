package llm

import (
	"strings"
	"testing"
)

func TestReadChoiceItemsFields(t *testing.T) {
	tests := []struct {
		name, input, wantErr string
		wantLabel            int
	}{
		{"extra field ignored", `{"id": 7, "context": "a", "choices": ["b", "c"], "label": 1}`, "", 1},
		{"missing label", `{"context": "a", "choices": ["b", "c"]}`, `line 1: missing "label"`, 0},
		{"missing context", `{"choices": ["b", "c"], "label": 0}`, `line 1: missing "context"`, 0},
		{"label out of range", `{"context": "a", "choices": ["b", "c"], "label": 2}`, "label 2 is not a choice index 0..1", 0},
		{"not json", `context: a`, "line 1: invalid record", 0},
	}
	for _, tc := range tests {
		items, err := ReadChoiceItems(strings.NewReader(tc.input), "mc.jsonl")
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: error = %v, want it to contain %q", tc.name, err, tc.wantErr)
			}
			continue
		}
		if err != nil || len(items) != 1 || items[0].Label != tc.wantLabel {
			t.Errorf("%s: got %v, %v; want one item with label %d", tc.name, items, err, tc.wantLabel)
		}
	}
}
