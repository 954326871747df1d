// Package data binds the data catalog as the Starlark module "data".
package data

import (
	"path/filepath"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"

	"pare/builtins/host"
	"pare/ops/catalog"
)

func init() {
	host.Register(&host.Module{
		Name: "data",
		Doc:  "The data catalog: named data files resolved under $PARE_DATA and checked against their sha256.",
		Builtins: []host.Builtin{
			{Name: "path", Fn: path, Doc: `path(name)

Return the absolute path of the cataloged data set name (a file, or a folder
for sets such as "MUTAG" or "FB15k-237"; "FB15k-237/train.txt" names one file
of a folder). Each file is checked against its cataloged size and sha256 once
per run and recorded as an input in run.json. A missing file gives the
expected path and the download address. ` + "`pare data list`" + ` shows the names.`},
			{Name: "list", Fn: list, Doc: `list()

Return the catalog as a list of structs with fields name, path (relative to
the data folder), bytes, sha256 (empty for folders), url, license and
description.`},
			{Name: "root", Fn: root, Doc: `root()

Return the data folder that data.path resolves under: $PARE_DATA when set,
otherwise <user cache folder>/pare/data.`},
		},
	})
}

func path(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var name string
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "name", &name); err != nil {
		return nil, err
	}
	s := host.Get(thread)
	if s.DataRoot == "" {
		return nil, host.Errorf(fn, "no data folder is configured; set PARE_DATA")
	}
	p, files, err := s.Catalog.Resolve(s.DataRoot, name)
	if err != nil {
		return nil, host.Errorf(fn, "%v", err)
	}
	if _, err := s.Sandbox.CheckRead(p); err != nil {
		return nil, host.Errorf(fn, "%v", err)
	}
	for _, f := range files {
		s.SetInputHash(filepath.Join(s.DataRoot, filepath.FromSlash(f.Rel)), f.SHA256)
	}
	return starlark.String(p), nil
}

func list(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := host.UnpackArgs(fn.Name(), args, kwargs); err != nil {
		return nil, err
	}
	var out []starlark.Value
	for _, e := range catalog.Entries() {
		sum := ""
		if !e.IsFolder() {
			sum = e.Files[0].SHA256
		}
		out = append(out, starlarkstruct.FromStringDict(starlark.String("dataset"), starlark.StringDict{
			"name":        starlark.String(e.Name),
			"path":        starlark.String(e.Rel),
			"bytes":       starlark.MakeInt64(e.Size()),
			"sha256":      starlark.String(sum),
			"url":         starlark.String(e.URL),
			"license":     starlark.String(e.License),
			"description": starlark.String(e.Description),
		}))
	}
	return starlark.NewList(out), nil
}

func root(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := host.UnpackArgs(fn.Name(), args, kwargs); err != nil {
		return nil, err
	}
	return starlark.String(host.Get(thread).DataRoot), nil
}
