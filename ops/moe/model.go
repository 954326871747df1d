package moe

import (
	"context"
	"fmt"
	"slices"

	"pare/ops/llm"
	"pare/ops/ot"
	"pare/ops/tensor"
)

// ModelOptions configures CompressModel.
type ModelOptions struct {
	LayerOptions
	// Layers lists the MoE layers to compress; nil compresses every MoE
	// layer. ResMoE compresses the deepest layers and keeps shallow ones.
	Layers []int
}

// Container is a compressed set of MoE layers of one model.
type Container struct {
	Method string
	Keep   float64
	// Layers maps a model layer index to its compressed layer.
	Layers map[int]*CompressedLayer
}

// LayerIndices returns the compressed layers in ascending order.
func (c *Container) LayerIndices() []int {
	var idx []int
	for l := range c.Layers {
		idx = append(idx, l)
	}
	slices.Sort(idx)
	return idx
}

// Params returns the numbers the container stores over all its layers.
func (c *Container) Params() int {
	n := 0
	for _, l := range c.Layers {
		n += l.Params()
	}
	return n
}

// ExpertMatrices returns the stacked p×3d support points of every expert of
// block, in float64.
func ExpertMatrices(block *llm.MoEBlock) []ot.Matrix {
	out := make([]ot.Matrix, len(block.Experts))
	for k, e := range block.Experts {
		out[k] = stackSwiGLU(e)
	}
	return out
}

func stackSwiGLU(e llm.MoEExpert) ot.Matrix {
	p, d := e.WGate.Dim(0), e.WGate.Dim(1)
	S := ot.NewMatrix(p, 3*d)
	g, u, w := e.WGate.Data(), e.WUp.Data(), e.WDown.Data()
	for j := 0; j < p; j++ {
		row := S.Row(j)
		for c := 0; c < d; c++ {
			row[c] = float64(g[j*d+c])
			row[d+c] = float64(u[j*d+c])
			row[2*d+c] = float64(w[c*p+j])
		}
	}
	return S
}

func expertFromMatrix(S ot.Matrix, d int) llm.MoEExpert {
	p := S.Rows
	e := llm.MoEExpert{WGate: tensor.New(p, d), WUp: tensor.New(p, d), WDown: tensor.New(d, p)}
	g, u, w := e.WGate.Data(), e.WUp.Data(), e.WDown.Data()
	for j := 0; j < p; j++ {
		row := S.Row(j)
		for c := 0; c < d; c++ {
			g[j*d+c] = float32(row[c])
			u[j*d+c] = float32(row[d+c])
			w[c*p+j] = float32(row[2*d+c])
		}
	}
	return e
}

// LayerReport describes one compressed layer of CompressModel.
type LayerReport struct {
	Layer int
	// RelError is the relative Frobenius error of the layer's restored
	// experts (CompressedLayer.RelativeErrorOf).
	RelError   float64
	Params     int
	Iterations int
	Converged  bool
}

// CompressModel compresses the selected MoE layers of m and reports the
// reconstruction error of each.
func CompressModel(ctx context.Context, m *llm.Model, opt ModelOptions) (*Container, []LayerReport, error) {
	layers := opt.Layers
	if layers == nil {
		for l := range m.Layers {
			if m.Layers[l].MoE != nil {
				layers = append(layers, l)
			}
		}
		if len(layers) == 0 {
			return nil, nil, fmt.Errorf("moe: model: got a model without MoE layers, want one split with moefy or loaded from a Mixtral checkpoint")
		}
	}
	c := &Container{Method: opt.Method, Keep: opt.Keep, Layers: map[int]*CompressedLayer{}}
	var reports []LayerReport
	for _, l := range layers {
		if l < 0 || l >= len(m.Layers) || m.Layers[l].MoE == nil {
			return nil, nil, fmt.Errorf("moe: layers: got %d, which is not a MoE layer of this %d-layer model", l, len(m.Layers))
		}
		if _, dup := c.Layers[l]; dup {
			return nil, nil, fmt.Errorf("moe: layers: layer %d is listed twice", l)
		}
		experts := ExpertMatrices(m.Layers[l].MoE)
		cl, err := CompressLayer(ctx, experts, m.Config.Dim, true, opt.LayerOptions)
		if err != nil {
			return nil, nil, fmt.Errorf("layer %d: %w", l, err)
		}
		c.Layers[l] = cl
		reports = append(reports, LayerReport{Layer: l, RelError: cl.RelativeErrorOf(experts), Params: cl.Params(),
			Iterations: cl.Iterations, Converged: cl.Converged})
	}
	return c, reports, nil
}

// Apply returns a copy of m whose compressed layers hold the restored
// experts (aligned neuron order; routers untouched).
func (c *Container) Apply(m *llm.Model) (*llm.Model, error) {
	out := m.Clone()
	for _, l := range c.LayerIndices() {
		cl := c.Layers[l]
		if l >= len(out.Layers) || out.Layers[l].MoE == nil {
			return nil, fmt.Errorf("moe: apply: layer %d of the container is not a MoE layer of this %d-layer model", l, len(out.Layers))
		}
		block := out.Layers[l].MoE
		if len(block.Experts) != cl.Experts || block.ExpertWidth() != cl.Width || out.Config.Dim != cl.D || !cl.Gated {
			return nil, fmt.Errorf("moe: apply: layer %d: the container has %d experts of width %d for model width %d, the model has %d of width %d and width %d",
				l, cl.Experts, cl.Width, cl.D, len(block.Experts), block.ExpertWidth(), out.Config.Dim)
		}
		for k, S := range cl.Restore() {
			block.Experts[k] = expertFromMatrix(S, cl.D)
		}
	}
	if err := out.Validate(); err != nil {
		return nil, err
	}
	return out, nil
}
