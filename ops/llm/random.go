package llm

import (
	"math"
	"math/rand/v2"
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
		x := p.Tensor.Data()
		switch p.Tensor.Ndim() {
		case 2:
			std := 1 / math.Sqrt(float64(p.Tensor.Dim(1)))
			for i := range x {
				x[i] = float32(rng.NormFloat64() * std)
			}
		default:
			isNorm := len(p.Name) > 7 && p.Name[len(p.Name)-11:] != "proj.weight" && p.Name[len(p.Name)-4:] != "bias"
			for i := range x {
				if isNorm {
					x[i] = float32(1 + 0.1*rng.NormFloat64())
				} else {
					x[i] = float32(0.1 * rng.NormFloat64())
				}
			}
		}
	}
	return m, nil
}
