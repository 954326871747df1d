package kg

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
)

// SynthOptions describes a synthetic knowledge graph.
type SynthOptions struct {
	Triples   int     // triples drawn (duplicates are removed, so slightly fewer remain)
	Entities  int     // entities
	Relations int     // relations
	Exponent  float64 // power-law exponent β > 2 of the expected degrees (2.1 to 3 is typical)
	Seed      uint64
	// MemoryLimit bounds the estimated bytes of Synthesize; 0 means the
	// machine's physical memory.
	MemoryLimit int64 `json:",omitempty"`
}

// validate checks the sizes. Entity, relation and triple ids are int32, so
// each count is at most math.MaxInt32.
func (o SynthOptions) validate() error {
	switch {
	case o.Triples < 1 || o.Triples > math.MaxInt32:
		return fmt.Errorf("kg: synthesize: triples: got %d, want an int in [1, %d] (triple ids are int32)", o.Triples, math.MaxInt32)
	case o.Entities < 2 || o.Entities > math.MaxInt32:
		return fmt.Errorf("kg: synthesize: entities: got %d, want an int in [2, %d] (entity ids are int32)", o.Entities, math.MaxInt32)
	case o.Relations < 1 || o.Relations > math.MaxInt32:
		return fmt.Errorf("kg: synthesize: relations: got %d, want an int in [1, %d] (relation ids are int32)", o.Relations, math.MaxInt32)
	case !(o.Exponent > 2) || math.IsInf(o.Exponent, 0):
		return fmt.Errorf("kg: synthesize: exponent: got %g, want a finite float > 2", o.Exponent)
	}
	return nil
}

// generate draws the triples of a Chung-Lu style graph. Head and tail are
// drawn independently with probability proportional to the weight
// (i+1)^(−1/(β−1)) of a randomly permuted entity rank i, so the expected
// degrees have a power-law tail of exponent β. Relations are drawn with
// probability proportional to 1/(j+1). Self-loops are redrawn.
func (o SynthOptions) generate(ctx context.Context, emit func(h, r, t int32)) error {
	if err := o.validate(); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x5e))
	cumulative := func(n int, weight func(i int) float64) []float64 {
		c := make([]float64, n)
		sum := 0.0
		for i := range c {
			sum += weight(i)
			c[i] = sum
		}
		return c
	}
	ent := cumulative(o.Entities, func(i int) float64 { return math.Pow(float64(i+1), -1/(o.Exponent-1)) })
	rel := cumulative(o.Relations, func(j int) float64 { return 1 / float64(j+1) })
	perm := rng.Perm(o.Entities)
	draw := func(c []float64) int {
		u := rng.Float64() * c[len(c)-1]
		return sort.SearchFloat64s(c, u)
	}
	for k := 0; k < o.Triples; k++ {
		if k%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		h := perm[min(draw(ent), o.Entities-1)]
		t := h
		for t == h {
			t = perm[min(draw(ent), o.Entities-1)]
		}
		r := min(draw(rel), o.Relations-1)
		emit(int32(h), int32(r), int32(t))
	}
	return nil
}

// Estimated peak bytes of Synthesize per triple and per entity or
// relation. Per triple, the builder's triples and the sort's copy take 12
// bytes each, and the graph's indexes took 31 bytes on 12M triples. Per
// name, the figure covers the name, its dictionary entry, the sampling
// tables and the graph's offsets.
const (
	synthBytesPerTriple = 56
	synthBytesPerName   = 128
)

// SynthMemoryEstimate returns an estimate of the peak bytes Synthesize
// needs for opt.
func SynthMemoryEstimate(opt SynthOptions) int64 {
	return int64(opt.Triples)*synthBytesPerTriple + int64(opt.Entities+opt.Relations)*synthBytesPerName
}

// checkSynthMemory rejects sizes whose estimate exceeds limit bytes
// (0 means the machine's memory), so that an impossible size fails as an
// error instead of killing the process in the Go runtime.
func checkSynthMemory(opt SynthOptions, need, limit int64) error {
	limitName := "--max-memory"
	if limit <= 0 {
		limit, limitName = PhysicalMemory(), "the machine's memory"
	}
	if limit > 0 && need > limit {
		return fmt.Errorf("kg: synthesize: triples %d, entities %d, relations %d need about %d bytes, more than %s (%d bytes); ask for fewer triples or entities",
			opt.Triples, opt.Entities, opt.Relations, need, limitName, limit)
	}
	return nil
}

// Synthesize builds a synthetic power-law graph with entities named "e<i>"
// and relations "r<j>", registered in id order. It fails when
// SynthMemoryEstimate exceeds opt.MemoryLimit, or the machine's memory when
// that is 0.
func Synthesize(ctx context.Context, opt SynthOptions) (*Graph, error) {
	if err := opt.validate(); err != nil {
		return nil, err
	}
	if err := checkSynthMemory(opt, SynthMemoryEstimate(opt), opt.MemoryLimit); err != nil {
		return nil, err
	}
	b := NewBuilder()
	var buf []byte
	for i := 0; i < opt.Entities; i++ {
		buf = strconv.AppendInt(append(buf[:0], 'e'), int64(i), 10)
		b.Entities().Intern(buf)
	}
	for j := 0; j < opt.Relations; j++ {
		buf = strconv.AppendInt(append(buf[:0], 'r'), int64(j), 10)
		b.Relations().Intern(buf)
	}
	b.Grow(opt.Triples)
	if err := opt.generate(ctx, b.AddIDs); err != nil {
		return nil, err
	}
	return b.Build()
}

// WriteSynthetic writes the same triples as Synthesize as TSV lines
// "e<h>\tr<r>\te<t>".
func WriteSynthetic(ctx context.Context, w io.Writer, opt SynthOptions) error {
	if err := opt.validate(); err != nil {
		return err
	}
	// Only the sampling tables stay in memory while writing.
	if err := checkSynthMemory(opt, int64(opt.Entities+opt.Relations)*synthBytesPerName, opt.MemoryLimit); err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	var line []byte
	var werr error
	err := opt.generate(ctx, func(h, r, t int32) {
		line = append(line[:0], 'e')
		line = strconv.AppendInt(line, int64(h), 10)
		line = append(line, '\t', 'r')
		line = strconv.AppendInt(line, int64(r), 10)
		line = append(line, '\t', 'e')
		line = strconv.AppendInt(line, int64(t), 10)
		line = append(line, '\n')
		if werr == nil {
			_, werr = bw.Write(line)
		}
	})
	if err != nil {
		return err
	}
	if werr != nil {
		return werr
	}
	return bw.Flush()
}
