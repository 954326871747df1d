package llm

import (
	"math"
	"math/rand/v2"
	"strings"
)

// NewRandom returns a model with the shapes of cfg and seeded random
// weights: matrices and embeddings drawn from N(0, 1/in_features), norm
// scales from 1 + N(0, 0.1²), biases from N(0, 0.1²). It is meant for tests
// and benchmarks; cfg's per-layer widths are honoured.
func NewRandom(cfg Config, seed uint64) (*Model, error) {
	cfg.fillDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	m := &Model{Config: cfg}
	m.Weights = *NewWeights(&m.Config)
	rng := rand.New(rand.NewPCG(seed, 0x5851f42d4c957f2d))
	for _, p := range m.Params() {
		fillRandom(p, rng)
	}
	return m, nil
}

// fillRandom draws p's values: matrices from N(0, 1/in_features), norm
// scales from 1 + N(0, 0.1²), everything else (biases) from N(0, 0.1²).
func fillRandom(p Named, rng *rand.Rand) {
	x := p.Tensor.Data()
	if p.Tensor.Ndim() == 2 {
		std := 1 / math.Sqrt(float64(p.Tensor.Dim(1)))
		for i := range x {
			x[i] = float32(rng.NormFloat64() * std)
		}
		return
	}
	isNorm := strings.HasSuffix(p.Name, "norm.weight")
	for i := range x {
		if isNorm {
			x[i] = float32(1 + 0.1*rng.NormFloat64())
		} else {
			x[i] = float32(0.1 * rng.NormFloat64())
		}
	}
}
