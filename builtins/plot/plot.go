// Package plot binds figure drawing as the Starlark module "plot".
package plot

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"go.starlark.net/starlark"

	"pare/builtins/host"
	oplot "pare/ops/plot"
)

const seriesDoc = `series is a dict from a name to either a list of y values (x = 0, 1, ...)
or an (x, y) pair of lists; lists may be tensors. A relative path is written
under --out. The format follows the extension: .png, .svg or .pdf. Returns
the written path. Without --out a relative path is not written: the call
returns None and prints a note, so a recipe still reports its numbers.`

func init() {
	host.Register(&host.Module{
		Name: "plot",
		Doc:  "Figures written under --out: lines, scatter plots and grouped bars (gonum/plot).",
		Builtins: []host.Builtin{
			{Name: "line", Fn: drawer(oplot.Line), Doc: `line(path, series, title="", xlabel="", ylabel="", logx=False, logy=False)

Draw each series as a line with markers. ` + seriesDoc},
			{Name: "scatter", Fn: drawer(oplot.Scatter), Doc: `scatter(path, series, title="", xlabel="", ylabel="", logx=False, logy=False)

Draw each series as points. ` + seriesDoc},
			{Name: "bars", Fn: bars, Doc: `bars(path, labels, series, title="", xlabel="", ylabel="")

Draw grouped bars: one group per label, and in each group one bar per entry
of series (a dict from a name to a list of len(labels) values). Returns
the written path, or None without --out for a relative path, as line does.`},
		},
	})
}

func drawer(draw func(string, []oplot.Series, oplot.Options) error) host.Func {
	return func(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		var path string
		var series *starlark.Dict
		var opts oplot.Options
		if err := host.UnpackArgs(fn.Name(), args, kwargs, "path", &path, "series", &series,
			"title?", &opts.Title, "xlabel?", &opts.XLabel, "ylabel?", &opts.YLabel, "logx?", &opts.LogX, "logy?", &opts.LogY); err != nil {
			return nil, err
		}
		list, err := unpackSeries(fn, series)
		if err != nil {
			return nil, err
		}
		abs, err := outputFile(thread, fn, path)
		if err != nil || abs == "" {
			return starlark.None, err
		}
		if err := draw(abs, list, opts); err != nil {
			return nil, drawError(fn, err, abs, path)
		}
		return starlark.String(abs), nil
	}
}

func bars(thread *starlark.Thread, fn *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var path string
	var labelsV starlark.Value
	var series *starlark.Dict
	var opts oplot.Options
	if err := host.UnpackArgs(fn.Name(), args, kwargs, "path", &path, "labels", &labelsV, "series", &series,
		"title?", &opts.Title, "xlabel?", &opts.XLabel, "ylabel?", &opts.YLabel); err != nil {
		return nil, err
	}
	labels, err := host.StringList(fn, "labels", labelsV)
	if err != nil {
		return nil, err
	}
	var names []string
	var values [][]float64
	for _, item := range series.Items() {
		name, ok := starlark.AsString(item[0])
		if !ok {
			return nil, host.Errorf(fn, "series: key %s is not a string", item[0])
		}
		ys, err := host.Floats(fn, "series["+name+"]", item[1])
		if err != nil {
			return nil, err
		}
		names = append(names, name)
		values = append(values, ys)
	}
	abs, err := outputFile(thread, fn, path)
	if err != nil || abs == "" {
		return starlark.None, err
	}
	if err := oplot.Bars(abs, labels, names, values, opts); err != nil {
		return nil, drawError(fn, err, abs, path)
	}
	return starlark.String(abs), nil
}

func unpackSeries(fn *starlark.Builtin, d *starlark.Dict) ([]oplot.Series, error) {
	var out []oplot.Series
	for _, item := range d.Items() {
		name, ok := starlark.AsString(item[0])
		if !ok {
			return nil, host.Errorf(fn, "series: key %s is not a string", item[0])
		}
		s := oplot.Series{Name: name}
		if pair, isTuple := item[1].(starlark.Tuple); isTuple && len(pair) == 2 {
			var err error
			if s.X, err = host.Floats(fn, "series["+name+"][0]", pair[0]); err != nil {
				return nil, err
			}
			if s.Y, err = host.Floats(fn, "series["+name+"][1]", pair[1]); err != nil {
				return nil, err
			}
		} else {
			ys, err := host.Floats(fn, "series["+name+"]", item[1])
			if err != nil {
				return nil, err
			}
			s.Y = ys
			s.X = make([]float64, len(ys))
			for i := range s.X {
				s.X[i] = float64(i)
			}
		}
		out = append(out, s)
	}
	return out, nil
}

// outputFile checks path against the sandbox and creates its folder. When
// the run has no --out and path is relative, it prints a note and returns
// "", so a recipe without --out still finishes and prints its results.
func outputFile(thread *starlark.Thread, fn *starlark.Builtin, path string) (string, error) {
	if _, err := oplot.Format(path); err != nil {
		return "", host.Errorf(fn, "%v", err)
	}
	s := host.Get(thread)
	if s.OutDir == "" && path != "" && !filepath.IsAbs(path) {
		fmt.Fprintf(s.Stderr, "%s: %s not written: run with --out DIR to keep figures\n", fn.Name(), path)
		return "", nil
	}
	abs, err := s.WritePath(fn.Name(), path)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return "", host.Errorf(fn, "%v", err)
	}
	return abs, nil
}

// drawError names the figure by the path the recipe gave, because abs is
// in the run's staging folder, which is removed when the run ends.
func drawError(fn *starlark.Builtin, err error, abs, path string) error {
	return host.Errorf(fn, "%s", strings.ReplaceAll(err.Error(), abs, path))
}
