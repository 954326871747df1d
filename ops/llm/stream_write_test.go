package llm

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"pare/ops/tensor"
)

func TestWriteHFCopiesModel(t *testing.T) {
	cases := []struct {
		name, srcDType, dtype string
		tied                  bool
	}{
		{"f32 kept", "f32", "", false},
		{"bf16 kept", "bf16", "", true},
		{"bf16 to f32", "bf16", "f32", false},
	}
	for _, tc := range cases {
		cfg := tinyConfig()
		cfg.TiedEmbeddings = tc.tied
		root := t.TempDir()
		src := filepath.Join(root, "src")
		if err := WriteRandomCheckpoint(context.Background(), src, cfg, 5, tc.srcDType); err != nil {
			t.Fatal(err)
		}
		tokenizerBytes := []byte("tokenizer bytes copied verbatim")
		if err := os.WriteFile(filepath.Join(src, "tokenizer.json"), tokenizerBytes, 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := OpenStreamed(src)
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(root, "dst")
		if err := s.WriteHF(context.Background(), dst, s.Config, tc.dtype, nil, nil); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		// The tokenizer.json written above is not a real tokenizer, so the
		// folders are compared through the streamed reader.
		out, err := OpenStreamed(dst)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		wantDType := map[string]string{"f32": "F32", "bf16": "BF16"}[tc.srcDType]
		if tc.dtype != "" {
			wantDType = map[string]string{"f32": "F32"}[tc.dtype]
		}
		if got, err := out.StoredDType(); err != nil || got != wantDType {
			t.Errorf("%s: stored dtype %q (%v), want %q", tc.name, got, err, wantDType)
		}
		for l := 0; l < cfg.NLayers; l++ {
			a, err := s.Layer(l)
			if err != nil {
				t.Fatal(err)
			}
			b, err := out.Layer(l)
			if err != nil {
				t.Fatal(err)
			}
			equalParams(t, tc.name, layerParams(l, a), layerParams(l, b))
		}
		ha, fa, err := s.headWeights()
		if err != nil {
			t.Fatal(err)
		}
		hb, fb, err := out.headWeights()
		if err != nil {
			t.Fatal(err)
		}
		equalParams(t, tc.name, []Named{{"head", ha}, {"norm", fa}}, []Named{{"head", hb}, {"norm", fb}})
		got, err := os.ReadFile(filepath.Join(dst, "tokenizer.json"))
		if err != nil || !bytes.Equal(got, tokenizerBytes) {
			t.Errorf("%s: copied tokenizer.json is %q (%v), want %q", tc.name, got, err, tokenizerBytes)
		}
	}
}

// equalParams compares tensors by name. got may hold more tensors than
// want, as long as they are zero: a Llama folder with q/k/v biases is
// written with a zero o_proj bias, as SaveHF writes it.
func equalParams(t *testing.T, name string, want, got []Named) {
	t.Helper()
	byName := map[string]*tensor.Tensor{}
	for _, p := range got {
		byName[p.Name] = p.Tensor
	}
	for _, w := range want {
		g, ok := byName[w.Name]
		if !ok {
			t.Errorf("%s: %s is missing", name, w.Name)
			continue
		}
		delete(byName, w.Name)
		a, b := w.Tensor.Data(), g.Data()
		if len(a) != len(b) {
			t.Errorf("%s: %s has %d values, want %d", name, w.Name, len(b), len(a))
			continue
		}
		for j := range a {
			if a[j] != b[j] {
				t.Errorf("%s: %s[%d] is %v, want %v", name, w.Name, j, b[j], a[j])
				break
			}
		}
	}
	for extra, g := range byName {
		for j, v := range g.Data() {
			if v != 0 {
				t.Errorf("%s: extra tensor %s[%d] is %v, want 0", name, extra, j, v)
				break
			}
		}
	}
}

func TestWriteHFFailureLeavesNoFolder(t *testing.T) {
	injected := errors.New("injected failure")
	cases := []struct {
		name string
		// transform receives the cancel function of the write's
		// context.
		transform func(cancel context.CancelFunc) LayerTransform
		extra     func(tmp string) error
		want      string
	}{
		{
			name: "transform error at the last layer",
			transform: func(context.CancelFunc) LayerTransform {
				return func(l int, src *LayerWeights) (*LayerWeights, error) {
					if l == 1 {
						return nil, injected
					}
					return src, nil
				}
			},
			want: "injected failure",
		},
		{
			name: "context cancelled after the first layer",
			transform: func(cancel context.CancelFunc) LayerTransform {
				return func(l int, src *LayerWeights) (*LayerWeights, error) {
					cancel()
					return src, nil
				}
			},
			want: "context canceled",
		},
		{
			name: "layer with the wrong shape",
			transform: func(context.CancelFunc) LayerTransform {
				return func(l int, src *LayerWeights) (*LayerWeights, error) {
					out := *src
					out.WGate = tensor.New(1, src.WGate.Dim(1))
					return &out, nil
				}
			},
			want: "does not have the shape",
		},
		{
			name:  "extra files fail",
			extra: func(string) error { return injected },
			want:  "injected failure",
		},
	}
	for _, tc := range cases {
		root := t.TempDir()
		src := filepath.Join(root, "src")
		if err := WriteRandomCheckpoint(context.Background(), src, tinyConfig(), 6, "f32"); err != nil {
			t.Fatal(err)
		}
		s, err := OpenStreamed(src)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		var transform LayerTransform
		if tc.transform != nil {
			transform = tc.transform(cancel)
		}
		err = s.WriteHF(ctx, filepath.Join(root, "dst"), s.Config, "", transform, tc.extra)
		cancel()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
		entries, err := os.ReadDir(root)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 || entries[0].Name() != "src" {
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			t.Errorf("%s: folder holds %v after the failed write, want only [src]", tc.name, names)
		}
	}
}

func TestWriteHFRejectsChangedConfig(t *testing.T) {
	root := t.TempDir()
	src := filepath.Join(root, "src")
	if err := WriteRandomCheckpoint(context.Background(), src, tinyConfig(), 6, "f32"); err != nil {
		t.Fatal(err)
	}
	s, err := OpenStreamed(src)
	if err != nil {
		t.Fatal(err)
	}
	cfg := s.Config
	cfg.VocabSize++
	err = s.WriteHF(context.Background(), filepath.Join(root, "dst"), cfg, "", nil, nil)
	if err == nil || !strings.Contains(err.Error(), "changes more than the per-layer widths") {
		t.Errorf("vocabulary changed: error %v, want one saying the config changes more than the widths", err)
	}
	if err := os.Mkdir(filepath.Join(root, "full"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "full", "keep"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	err = s.WriteHF(context.Background(), filepath.Join(root, "full"), s.Config, "", nil, nil)
	if err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("non-empty destination: error %v, want one saying the folder is not empty", err)
	}
}
