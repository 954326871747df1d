package llm

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"pare/ops/llm/tokenizer"
)

// Load opens a model by path: a folder is a Hugging Face model, a file
// ending in .gguf a GGUF model, and any other file a llama2.c checkpoint.
// tokenizerPath, when not empty, replaces the model's own tokenizer: a
// .json file is a Hugging Face tokenizer.json, anything else a llama2.c
// tokenizer.bin.
func Load(path, tokenizerPath string) (*Model, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("llm: %w", err)
	}
	var m *Model
	switch {
	case fi.IsDir():
		m, err = LoadHF(path)
	case strings.HasSuffix(strings.ToLower(path), ".gguf"):
		m, err = LoadGGUF(path)
	default:
		m, err = LoadLlama2C(path)
	}
	if err != nil {
		return nil, err
	}
	if tokenizerPath != "" {
		if m.Tokenizer, err = LoadTokenizer(tokenizerPath, &m.Config); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// LoadTokenizer reads a tokenizer file for a model with config cfg: a .json
// file is a Hugging Face tokenizer.json, anything else a llama2.c
// tokenizer.bin. The vocabulary must fit the model's.
func LoadTokenizer(path string, cfg *Config) (tokenizer.Tokenizer, error) {
	if strings.HasSuffix(strings.ToLower(path), ".json") {
		t, err := tokenizer.LoadHF(path)
		if err != nil {
			return nil, err
		}
		if t.VocabSize() > cfg.VocabSize {
			return nil, fmt.Errorf("llm: %s has %d tokens, more than the model's vocabulary of %d", path, t.VocabSize(), cfg.VocabSize)
		}
		t.SetSpecialIDs(cfg.BOS, cfg.EOS)
		return t, nil
	}
	t, err := tokenizer.LoadLlama2C(path, cfg.VocabSize)
	if err != nil {
		return nil, err
	}
	return t, nil
}

// InputFiles lists the files Load(path, tokenizerPath) reads, so that a
// caller can check and record each one before loading.
func InputFiles(path, tokenizerPath string) ([]string, error) {
	var files []string
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("llm: %w", err)
	}
	if !fi.IsDir() {
		files = append(files, path)
	} else {
		files = append(files, filepath.Join(path, "config.json"))
		single := filepath.Join(path, "model.safetensors")
		if fileExists(single) {
			files = append(files, single)
		} else {
			index := filepath.Join(path, "model.safetensors.index.json")
			files = append(files, index)
			shards, err := indexShards(index)
			if err != nil {
				return nil, err
			}
			for _, s := range shards {
				files = append(files, filepath.Join(path, s))
			}
		}
		if tokenizerPath == "" {
			for _, name := range []string{"tokenizer.bin", "tokenizer.json"} {
				if p := filepath.Join(path, name); fileExists(p) {
					files = append(files, p)
					break
				}
			}
		}
	}
	if tokenizerPath != "" {
		files = append(files, tokenizerPath)
	}
	return files, nil
}

// indexShards returns the shard files named by a safetensors index.
func indexShards(index string) ([]string, error) {
	raw, err := os.ReadFile(index)
	if err != nil {
		return nil, fmt.Errorf("llm: the model folder has neither model.safetensors nor a readable index: %w", err)
	}
	var idx struct {
		WeightMap map[string]string `json:"weight_map"`
	}
	if err := json.Unmarshal(raw, &idx); err != nil {
		return nil, fmt.Errorf("llm: %s: %w", index, err)
	}
	seen := map[string]bool{}
	var out []string
	for _, f := range idx.WeightMap {
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	sort.Strings(out)
	return out, nil
}
