package tensor

import (
	"path/filepath"
	"sort"
	"strings"

	"go.starlark.net/starlark"

	"pare/builtins/host"
	"pare/ops/store"
	"pare/ops/tensor"
)

// The file functions are load_file and save_file, as in the safetensors
// library, because "load" is a Starlark keyword and cannot follow a dot.
var ioBuiltins = []host.Builtin{
	{Name: "load_file", Fn: loadFile, Doc: `load_file(path, name=None)

Reads tensors from a .npy, .npz or .safetensors file.

The format follows the extension. .npy gives one tensor; .npz and
.safetensors give a dict of name to tensor, or the one tensor called name
when name is given. Numeric and boolean dtypes (f16, bf16, f64, ints)
are converted to float32. The path must be readable under the sandbox, and
it is recorded with its sha256 as an input of the run.`},
	{Name: "save_file", Fn: saveFile, Doc: `save_file(path, data, dtype="f32", compressed=False)

Writes tensors atomically to a .npy, .npz or .safetensors file and returns
its absolute path (relative reads resolve against the recipe's folder, so
read the file back through that path).

The format follows the extension. .npy takes one tensor; .npz and
.safetensors take a dict of name to tensor, and a single tensor is saved
under the name "arr_0". dtype "bf16" or "f16" stores safetensors
values rounded to nearest even; compressed=True deflates .npz members. A
relative path is taken under --out; the path must be writable under the
sandbox.`},
}

// fileKind returns the format of path from its extension.
func fileKind(fn *starlark.Builtin, path string) (string, error) {
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".npy", ".npz", ".safetensors":
		return ext, nil
	default:
		return "", host.Errorf(fn, "path: got %q with extension %q, want a .npy, .npz or .safetensors file", path, ext)
	}
}

func loadFile(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var path string
	var name starlark.Value = starlark.None
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "path", &path, "name?", &name); err != nil {
		return nil, err
	}
	want := ""
	if name != starlark.None {
		s, ok := starlark.AsString(name)
		if !ok {
			return nil, host.Errorf(fn, "name: got %s, want None or a string", name.Type())
		}
		want = s
	}
	// The sandbox decides first, so a path outside it is reported as such
	// whatever its extension; OpenInput then records the file as an input.
	session := host.Get(thread)
	if _, err := session.Sandbox.CheckRead(path); err != nil {
		return nil, host.Errorf(fn, "%v", err)
	}
	kind, err := fileKind(fn, path)
	if err != nil {
		return nil, err
	}
	abs, err := session.OpenInput(fn.Name(), path)
	if err != nil {
		return nil, err
	}

	switch kind {
	case ".npy":
		if want != "" {
			return nil, host.Errorf(fn, "name: got %q, but a .npy file contains one unnamed array", want)
		}
		a, err := store.ReadNpy(abs)
		if err != nil {
			return nil, host.Errorf(fn, "%v", err)
		}
		t, err := arrayTensor(a)
		if err != nil {
			return nil, host.Errorf(fn, "%s: %s", path, trimPrefix(err))
		}
		return Wrap(t), nil

	case ".npz":
		z, err := store.ReadNpz(abs)
		if err != nil {
			return nil, host.Errorf(fn, "%v", err)
		}
		return loadNamed(fn, path, want, z.Names(), func(n string) (*tensor.Tensor, error) {
			a, err := z.Get(n)
			if err != nil {
				return nil, err
			}
			return arrayTensor(a)
		})

	default:
		st, err := store.OpenSafetensors(abs)
		if err != nil {
			return nil, host.Errorf(fn, "%v", err)
		}
		defer st.Close()
		return loadNamed(fn, path, want, st.Names(), func(n string) (*tensor.Tensor, error) {
			info, err := st.Info(n)
			if err != nil {
				return nil, err
			}
			size, err := tensor.ShapeSize(info.Shape)
			if err != nil {
				return nil, err
			}
			data := tensor.Alloc(size, info.Shape...)
			if err := st.Float32Into(n, data); err != nil {
				return nil, err
			}
			return tensor.FromSlice(data, info.Shape...)
		})
	}
}

// loadNamed returns the tensor called want, or a dict of every tensor when
// want is empty.
func loadNamed(fn *starlark.Builtin, path, want string, names []string, get func(string) (*tensor.Tensor, error)) (starlark.Value, error) {
	if want != "" {
		t, err := get(want)
		if err != nil {
			return nil, host.Errorf(fn, "name: %s", trimPrefix(err))
		}
		return Wrap(t), nil
	}
	d := starlark.NewDict(len(names))
	for _, n := range names {
		t, err := get(n)
		if err != nil {
			return nil, host.Errorf(fn, "%s: %q: %s", path, n, trimPrefix(err))
		}
		if err := d.SetKey(starlark.String(n), Wrap(t)); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// arrayTensor converts a NumPy array to a float32 tensor charged to the
// memory limit.
func arrayTensor(a *store.Array) (*tensor.Tensor, error) {
	// The shape is checked before any conversion, because a file can declare
	// a shape that no tensor may have even with no data, such as
	// [0, 2^62, 2^62].
	if _, err := tensor.ShapeSize(a.Shape); err != nil {
		return nil, err
	}
	vals, err := a.Float32()
	if err != nil {
		return nil, err
	}
	data := tensor.Alloc(len(vals), a.Shape...)
	copy(data, vals)
	return tensor.FromSlice(data, a.Shape...)
}

func saveFile(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var path string
	var data starlark.Value
	dtype := "f32"
	compressed := false
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "path", &path, "data", &data, "dtype?", &dtype, "compressed?", &compressed); err != nil {
		return nil, err
	}
	abs, err := host.Get(thread).WritePath(fn.Name(), path)
	if err != nil {
		return nil, err
	}
	kind, err := fileKind(fn, path)
	if err != nil {
		return nil, err
	}
	stDType, ok := map[string]string{"f32": "F32", "float32": "F32", "bf16": "BF16", "bfloat16": "BF16", "f16": "F16", "float16": "F16"}[dtype]
	if !ok {
		return nil, host.Errorf(fn, "dtype: got %q, want \"f32\", \"bf16\" or \"f16\"", dtype)
	}
	if stDType != "F32" && kind != ".safetensors" {
		return nil, host.Errorf(fn, "dtype: got %q, but only .safetensors files store bf16 or f16; use \"f32\" for %s", dtype, kind)
	}
	if compressed && kind != ".npz" {
		return nil, host.Errorf(fn, "compressed: got True, but only .npz files are compressed")
	}
	named, err := namedTensors(fn, kind, data)
	if err != nil {
		return nil, err
	}

	switch kind {
	case ".npy":
		t := named[0].t
		err = store.WriteNpy(abs, store.NewFloat32Array(t.Data(), t.Shape()...))
	case ".npz":
		arrays := make([]store.NamedArray, len(named))
		for i, n := range named {
			arrays[i] = store.NamedArray{Name: n.name, Array: store.NewFloat32Array(n.t.Data(), n.t.Shape()...)}
		}
		err = store.WriteNpz(abs, arrays, compressed)
	default:
		tensors := make([]store.NamedTensor, len(named))
		for i, n := range named {
			tensors[i] = store.NamedTensor{Name: n.name, DType: stDType, Shape: n.t.Shape(), Data: n.t.Data()}
		}
		err = store.WriteSafetensors(abs, tensors, nil)
	}
	if err != nil {
		return nil, host.Errorf(fn, "%v", err)
	}
	return starlark.String(abs), nil
}

type namedTensor struct {
	name string
	t    *tensor.Tensor
}

// namedTensors unpacks save's data: one tensor, or for .npz and
// .safetensors a dict of string to tensor, sorted by name.
func namedTensors(fn *starlark.Builtin, kind string, data starlark.Value) ([]namedTensor, error) {
	d, isDict := data.(*starlark.Dict)
	if !isDict {
		t, err := FromValue(data)
		if err != nil {
			return nil, host.Errorf(fn, "data: %v", err)
		}
		return []namedTensor{{"arr_0", t}}, nil
	}
	if kind == ".npy" {
		return nil, host.Errorf(fn, "data: got dict, want one tensor for a .npy file (use .npz or .safetensors for several)")
	}
	var out []namedTensor
	for _, item := range d.Items() {
		k, ok := starlark.AsString(item[0])
		if !ok {
			return nil, host.Errorf(fn, "data: key %s is a %s, want a string", item[0], item[0].Type())
		}
		t, err := FromValue(item[1])
		if err != nil {
			return nil, host.Errorf(fn, "data[%q]: %v", k, err)
		}
		out = append(out, namedTensor{k, t})
	}
	if len(out) == 0 {
		return nil, host.Errorf(fn, "data: got an empty dict, want at least one tensor")
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out, nil
}
