package llm

// Accessors for the activations that structured-pruning criteria read from
// a ForwardCache pass (Wanda-sp and FLAP score the inputs of o_proj and
// down_proj; ShortGPT compares block inputs and outputs). They return views
// into the cache, row i being token b·T + t; callers must not modify them.

// BlockInput returns the residual stream entering block l, [B·T, dim].
func (c *Cache) BlockInput(l int) []float32 { return c.layers[l].x }

// BlockOutput returns the residual stream leaving block l, [B·T, dim]: the
// next block's input, or the input of the final norm for the last block.
func (c *Cache) BlockOutput(l int) []float32 {
	if l+1 < len(c.layers) {
		return c.layers[l+1].x
	}
	return c.final
}

// AttentionOutput returns the input of block l's o_proj (the attention
// output before the projection), [B·T, heads·head_dim].
func (c *Cache) AttentionOutput(l int) []float32 { return c.layers[l].att }

// MLPActivation returns the input of block l's down_proj,
// silu(gate) · up, [B·T, hidden].
func (c *Cache) MLPActivation(l int) []float32 { return c.layers[l].act }
