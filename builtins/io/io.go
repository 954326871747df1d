// Package io binds file access for recipes as the Starlark module "io".
// Every path goes through the run's sandbox.
package io

import (
	"encoding/json"
	stdio "io"
	"os"
	"path/filepath"
	"sort"

	starjson "go.starlark.net/lib/json"
	"go.starlark.net/starlark"

	"pare/builtins/host"
	"pare/ops/store"
)

func init() {
	host.Register(&host.Module{
		Name: "io",
		Doc:  "Sandboxed file access: read and write text and JSON, list folders.",
		Builtins: []host.Builtin{
			{Name: "read_text", Fn: readText, Doc: `read_text(path)

Return the contents of a UTF-8 text file. A relative path resolves against the
recipe's folder. The path must be readable under the
sandbox (the recipe's folder, $PARE_DATA, --allow-read paths, --out); the file
is recorded as an input in run.json.`},
			{Name: "write_text", Fn: writeText, Doc: `write_text(path, text)

Write text to a file atomically and return its absolute path. A relative path
is taken under --out; an absolute path must be under --out or an --allow-write
path. Relative paths given to the read functions resolve against the recipe's
folder, so read a written file back through the returned path.`},
			{Name: "read_json", Fn: readJSON, Doc: `read_json(path)

Parse a JSON file and return its value (dicts, lists, strings, numbers).`},
			{Name: "write_json", Fn: writeJSON, Doc: `write_json(path, value)

Write value (numbers, strings, lists, dicts, structs, tensors) as indented
JSON, atomically; paths as for write_text.`},
			{Name: "exists", Fn: exists, Doc: `exists(path)

Report whether path exists. A path outside the sandbox is an error, not False.`},
			{Name: "listdir", Fn: listdir, Doc: `listdir(path)

Return the sorted names in a folder.`},
		},
	})
}

func unpackPath(fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (string, error) {
	var path string
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "path", &path); err != nil {
		return "", err
	}
	return path, nil
}

func readText(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	path, err := unpackPath(fn, args, kwargs)
	if err != nil {
		return nil, err
	}
	abs, err := host.Get(thread).OpenInput(fn.Name(), path)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(abs)
	if err != nil {
		return nil, host.Errorf(fn, "%v", err)
	}
	return starlark.String(b), nil
}

func writeText(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var path, text string
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "path", &path, "text", &text); err != nil {
		return nil, err
	}
	abs, err := host.Get(thread).WritePath(fn.Name(), path)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return nil, host.Errorf(fn, "%v", err)
	}
	err = store.WriteFileAtomic(abs, func(w stdio.Writer) error {
		_, err := stdio.WriteString(w, text)
		return err
	})
	if err != nil {
		return nil, host.Errorf(fn, "%v", err)
	}
	return starlark.String(abs), nil
}

func readJSON(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	text, err := readText(thread, fn, args, kwargs)
	if err != nil {
		return nil, err
	}
	decode := starjson.Module.Members["decode"]
	v, err := starlark.Call(thread, decode, starlark.Tuple{text}, nil)
	if err != nil {
		return nil, host.Errorf(fn, "%v", err)
	}
	return v, nil
}

func writeJSON(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var path string
	var value starlark.Value
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "path", &path, "value", &value); err != nil {
		return nil, err
	}
	j, err := host.ToJSON(value)
	if err != nil {
		return nil, host.Errorf(fn, "value: %v", err)
	}
	b, err := json.MarshalIndent(j, "", "  ")
	if err != nil {
		return nil, host.Errorf(fn, "value: %v", err)
	}
	return writeText(thread, fn, starlark.Tuple{starlark.String(path), starlark.String(string(b) + "\n")}, nil)
}

func exists(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	path, err := unpackPath(fn, args, kwargs)
	if err != nil {
		return nil, err
	}
	abs, err := host.Get(thread).ReadPath(fn.Name(), path)
	if err != nil {
		return nil, err
	}
	_, err = os.Stat(abs)
	return starlark.Bool(err == nil), nil
}

func listdir(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	path, err := unpackPath(fn, args, kwargs)
	if err != nil {
		return nil, err
	}
	abs, err := host.Get(thread).ReadPath(fn.Name(), path)
	if err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(abs)
	if err != nil {
		return nil, host.Errorf(fn, "%v", err)
	}
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.Name()
	}
	sort.Strings(names)
	out := make([]starlark.Value, len(names))
	for i, n := range names {
		out[i] = starlark.String(n)
	}
	return starlark.NewList(out), nil
}
