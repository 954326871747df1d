package store

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// TensorReader is what single-file and sharded safetensors checkpoints have in
// common.
type TensorReader interface {
	Names() []string
	Info(name string) (TensorInfo, error)
	Float32(name string) ([]float32, []int, error)
	Float32Into(name string, dst []float32) error
	Raw(name string) ([]float32, []int, error)
	Close() error
}

var (
	_ TensorReader = (*Safetensors)(nil)
	_ TensorReader = (*ShardedSafetensors)(nil)
)

// ShardedSafetensors is a checkpoint split over several safetensors files
// listed by a Hugging Face index (model.safetensors.index.json).
type ShardedSafetensors struct {
	path     string
	shards   map[string]*Safetensors // by file name as written in the index
	owner    map[string]*Safetensors // tensor name → shard holding it
	names    []string
	Metadata map[string]any
}

// maxIndexBytes bounds the index file; real indexes are well under 1 MB.
const maxIndexBytes = 64 << 20

// OpenSafetensorsIndex opens the index at path and every shard it names,
// which must sit in the same folder. Each tensor in the weight map must exist
// in its shard.
func OpenSafetensorsIndex(path string) (*ShardedSafetensors, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if fi.Size() > maxIndexBytes {
		return nil, formatErr(path, 0, "index of %d bytes exceeds the limit of %d bytes", fi.Size(), maxIndexBytes)
	}
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	var idx struct {
		Metadata  map[string]any    `json:"metadata"`
		WeightMap map[string]string `json:"weight_map"`
	}
	if err := json.Unmarshal(text, &idx); err != nil {
		off := int64(-1)
		if se, ok := err.(*json.SyntaxError); ok {
			off = se.Offset
		}
		return nil, formatErr(path, off, "invalid index JSON: %v", err)
	}
	if len(idx.WeightMap) == 0 {
		return nil, formatErr(path, -1, "index has no weight_map entries")
	}

	s := &ShardedSafetensors{path: path, shards: map[string]*Safetensors{}, owner: map[string]*Safetensors{}, Metadata: idx.Metadata}
	dir := filepath.Dir(path)
	for name, file := range idx.WeightMap {
		if file == "" || strings.ContainsAny(file, `/\`) || file == "." || file == ".." {
			s.Close()
			return nil, formatErr(path, -1, "weight_map entry %q names shard %q; want a file name in the index's folder", name, file)
		}
		shard, ok := s.shards[file]
		if !ok {
			shard, err = OpenSafetensors(filepath.Join(dir, file))
			if err != nil {
				s.Close()
				return nil, err
			}
			s.shards[file] = shard
		}
		if _, err := shard.Info(name); err != nil {
			s.Close()
			return nil, formatErr(path, -1, "weight_map puts tensor %q in %s, which does not contain it", name, file)
		}
		s.owner[name] = shard
		s.names = append(s.names, name)
	}
	sort.Strings(s.names)
	return s, nil
}

// Names returns the tensor names of the weight map in sorted order.
func (s *ShardedSafetensors) Names() []string { return s.names }

func (s *ShardedSafetensors) shard(name string) (*Safetensors, error) {
	sh, ok := s.owner[name]
	if !ok {
		return nil, fmt.Errorf("%s: tensor %q not found (%d tensors in the index)", s.path, name, len(s.names))
	}
	return sh, nil
}

// Info describes the named tensor; see Safetensors.Info.
func (s *ShardedSafetensors) Info(name string) (TensorInfo, error) {
	sh, err := s.shard(name)
	if err != nil {
		return TensorInfo{}, err
	}
	return sh.Info(name)
}

// Float32 converts the named tensor; see Safetensors.Float32.
func (s *ShardedSafetensors) Float32(name string) ([]float32, []int, error) {
	sh, err := s.shard(name)
	if err != nil {
		return nil, nil, err
	}
	return sh.Float32(name)
}

// Float32Into converts the named tensor into dst; see Safetensors.Float32Into.
func (s *ShardedSafetensors) Float32Into(name string, dst []float32) error {
	sh, err := s.shard(name)
	if err != nil {
		return err
	}
	return sh.Float32Into(name, dst)
}

// Raw returns the named F32 tensor without copying; see Safetensors.Raw.
func (s *ShardedSafetensors) Raw(name string) ([]float32, []int, error) {
	sh, err := s.shard(name)
	if err != nil {
		return nil, nil, err
	}
	return sh.Raw(name)
}

// Close unmaps every shard and returns the first error.
func (s *ShardedSafetensors) Close() error {
	var first error
	for _, sh := range s.shards {
		if err := sh.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// OpenCheckpoint opens path as a sharded index when its name ends in
// ".index.json", and as a single safetensors file otherwise.
func OpenCheckpoint(path string) (TensorReader, error) {
	if strings.HasSuffix(path, ".index.json") {
		return OpenSafetensorsIndex(path)
	}
	return OpenSafetensors(path)
}
