package tensor

import (
	"fmt"

	"go.starlark.net/starlark"

	"pare/builtins/host"
	"pare/ops/tensor"
)

var randomBuiltins = []host.Builtin{
	{Name: "manual_seed", Fn: manualSeed, Doc: `manual_seed(seed)

Restarts the run's generator at seed, an int >= 0.

Random functions called with seed=None draw from this generator. A run
starts at seed 0.`},
	{Name: "rand", Fn: randUniform, Doc: `rand(shape, seed=None)

Returns uniform values in [0, 1).

seed=None draws from the run's generator and an int seeds a fresh one.`},
	{Name: "randn", Fn: randNormal, Doc: `randn(shape, seed=None)

Returns standard normal values (Box-Muller on the PCG generator).`},
	{Name: "randint", Fn: randInt, Doc: `randint(low, high, shape, seed=None)

Returns uniform integers in [low, high) as float32; |low|, |high| <= 2^24.`},
	{Name: "permutation", Fn: permutation, Doc: `permutation(n, seed=None)

Returns a random ordering of 0, ..., n-1 as a float32 vector.`},
}

const rngKey = "pare.tensor.rng"

// threadRNG returns the run's generator, created at tensor.DefaultSeed on
// first use; the seed is recorded as a setting of the run.
func threadRNG(thread *starlark.Thread) *tensor.RNG {
	if r, ok := thread.Local(rngKey).(*tensor.RNG); ok {
		return r
	}
	r := tensor.NewRNG(tensor.DefaultSeed)
	thread.SetLocal(rngKey, r)
	host.Get(thread).RecordSetting("tensor.seed", uint64(tensor.DefaultSeed))
	return r
}

// seedArg unpacks None or an int >= 0.
type seedArg struct {
	seed uint64
	set  bool
}

func (a *seedArg) Unpack(v starlark.Value) error {
	if v == starlark.None {
		a.set = false
		return nil
	}
	i, ok := v.(starlark.Int)
	if !ok {
		return fmt.Errorf("got %s, want None or an int >= 0", v.Type())
	}
	u, ok := i.Uint64()
	if !ok {
		return fmt.Errorf("got %s, want None or an int in [0, 2^64)", v)
	}
	a.seed, a.set = u, true
	return nil
}

func (a *seedArg) rng(thread *starlark.Thread) *tensor.RNG {
	if a.set {
		return tensor.NewRNG(a.seed)
	}
	return threadRNG(thread)
}

func manualSeed(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var seed seedArg
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "seed", &seed); err != nil {
		return nil, err
	}
	if !seed.set {
		return nil, host.Errorf(fn, "seed: got None, want an int >= 0")
	}
	thread.SetLocal(rngKey, tensor.NewRNG(seed.seed))
	host.Get(thread).RecordSetting("tensor.seed", seed.seed)
	return starlark.None, nil
}

func randUniform(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var shape shapeArg
	var seed seedArg
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "shape", &shape, "seed?", &seed); err != nil {
		return nil, err
	}
	return Wrap(tensor.Rand(seed.rng(thread), shape.shape...)), nil
}

func randNormal(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var shape shapeArg
	var seed seedArg
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "shape", &shape, "seed?", &seed); err != nil {
		return nil, err
	}
	return Wrap(tensor.Randn(seed.rng(thread), shape.shape...)), nil
}

func randInt(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var low, high int
	var shape shapeArg
	var seed seedArg
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "low", &low, "high", &high, "shape", &shape, "seed?", &seed); err != nil {
		return nil, err
	}
	if high <= low {
		return nil, host.Errorf(fn, "high: got %d, want an int above low (%d)", high, low)
	}
	t, err := tensor.RandInt(seed.rng(thread), low, high, shape.shape...)
	if err != nil {
		return nil, opErr(fn, err)
	}
	return Wrap(t), nil
}

func permutation(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var n int
	var seed seedArg
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "n", &n, "seed?", &seed); err != nil {
		return nil, err
	}
	if n < 0 || n > 1<<24 {
		return nil, host.Errorf(fn, "n: got %d, want an int in [0, 2^24]", n)
	}
	t, err := tensor.Permutation(seed.rng(thread), n)
	if err != nil {
		return nil, opErr(fn, err)
	}
	return Wrap(t), nil
}
