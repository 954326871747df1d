package nn

import "math"

// Schedule returns the learning-rate multiplier for a 0-based step.
type Schedule func(step int) float64

// WarmupCosine ramps the multiplier linearly from 1/warmup to 1 over the
// first warmup steps, then decays it along a half cosine from 1 to minScale
// at step total, and holds minScale afterwards (the schedule of Loshchilov
// and Hutter, arXiv:1608.03983, without restarts, with linear warm-up).
func WarmupCosine(warmup, total int, minScale float64) Schedule {
	return func(step int) float64 {
		if step < warmup {
			return float64(step+1) / float64(warmup)
		}
		if step >= total || total <= warmup {
			return minScale
		}
		progress := float64(step-warmup) / float64(total-warmup)
		return minScale + (1-minScale)*0.5*(1+math.Cos(math.Pi*progress))
	}
}

// Constant returns a schedule that keeps the multiplier at 1.
func Constant() Schedule { return func(int) float64 { return 1 } }
