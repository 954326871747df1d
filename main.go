// Command pare runs Starlark recipes for structured LLM pruning, MoE
// compression, knowledge-graph summarization and graph self-supervised
// learning on native Go kernels.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"pare/lang"
	"pare/ops/catalog"
	"pare/ops/kernels"
	"pare/repl"
)

const usage = `pare runs Starlark recipes on native kernels.

Usage:
  pare run RECIPE.star [--set name=value]... [--out DIR] [--allow-read PATH]...
                       [--allow-write PATH]... [--timeout DURATION] [--max-memory SIZE]
                       [--no-sandbox]
  pare repl                      interactive session
  pare check FILE...             parse and resolve recipes without running them
  pare doc [MODULE[.NAME]]       documentation of modules and builtins
  pare data list                 the data catalog
  pare data path NAME            where a data set resolves, after checking its sha256
  pare bench gemm --n N [--threads T] [--backend B] [--compare B2,...] [--list]
  pare version

pare run --help lists the run flags.

Exit status: 0 on success, 1 when a recipe fails, 2 on a usage error.
Data sets resolve under $PARE_DATA (default: <user cache folder>/pare/data).
`

// exitCode carries an exit status through main's error path.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit %d", int(e)) }

// ExitCode returns the status; errors from other packages that already
// printed their message implement the same method.
func (e exitCode) ExitCode() int { return int(e) }

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func main() {
	err := dispatch(os.Args[1:], os.Stdout, os.Stderr)
	var code interface{ ExitCode() int }
	var uerr usageError
	switch {
	case err == nil:
		return
	case errors.As(err, &code):
		os.Exit(code.ExitCode())
	case errors.As(err, &uerr):
		fmt.Fprintf(os.Stderr, "pare: %s\nRun 'pare help' for usage.\n", uerr.msg)
		os.Exit(2)
	default:
		fmt.Fprintf(os.Stderr, "pare: %v\n", err)
		os.Exit(1)
	}
}

func dispatch(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitCode(2)
	}
	switch args[0] {
	case "run":
		return cmdRun(args[1:], stdout, stderr)
	case "repl":
		if len(args) > 1 {
			return usageError{"repl takes no arguments"}
		}
		return repl.Run(os.Stdin, stdout, stderr)
	case "check":
		return cmdCheck(args[1:], stderr)
	case "doc":
		if len(args) > 2 {
			return usageError{"doc takes at most one argument: MODULE or MODULE.NAME"}
		}
		target := ""
		if len(args) == 2 {
			target = args[1]
		}
		if err := lang.Doc(stdout, target); err != nil {
			return usageError{err.Error()}
		}
		return nil
	case "data":
		return cmdData(args[1:], stdout)
	case "bench":
		return cmdBench(args[1:], stdout)
	case "version", "--version":
		fmt.Fprintf(stdout, "pare %s (%s %s/%s)\n", lang.Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return usageError{fmt.Sprintf("unknown command %q", args[0])}
}

// listFlag collects a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// sizeFlag parses sizes such as 512MiB, 2GB, 1.5G or a plain byte count.
// durationFlag is a time.Duration flag whose parse error lists accepted forms.
type durationFlag time.Duration

func (d *durationFlag) String() string { return time.Duration(*d).String() }
func (d *durationFlag) Set(v string) error {
	t, err := time.ParseDuration(v)
	if err != nil {
		return fmt.Errorf("got %q, want a duration such as 90s, 10m or 1h30m", v)
	}
	*d = durationFlag(t)
	return nil
}

type sizeFlag int64

func (s *sizeFlag) String() string { return strconv.FormatInt(int64(*s), 10) }
func (s *sizeFlag) Set(v string) error {
	n, err := parseSize(v)
	if err != nil {
		return err
	}
	*s = sizeFlag(n)
	return nil
}

func parseSize(v string) (int64, error) {
	units := []struct {
		suffix string
		mult   float64
	}{
		{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
		{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12},
		{"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"T", 1 << 40}, {"B", 1},
	}
	num, mult := v, 1.0
	for _, u := range units {
		if strings.HasSuffix(v, u.suffix) {
			num, mult = strings.TrimSuffix(v, u.suffix), u.mult
			break
		}
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || f <= 0 {
		return 0, fmt.Errorf("invalid size %q; want a positive number with an optional unit such as 512MiB or 2GB", v)
	}
	return int64(f * mult), nil
}

// parseInterleaved parses flags that may come before or after positional
// arguments, as in `pare run r.star --set a=1`.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.SetOutput(os.Stdout)
				fs.PrintDefaults()
				return nil, exitCode(0)
			}
			return nil, usageError{err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func cmdRun(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	// Errors are printed once, by main; --help prints the flags itself.
	fs.SetOutput(io.Discard)
	var opts lang.Options
	var sets, reads, writes listFlag
	var maxMem sizeFlag
	fs.Var(&sets, "set", "override a recipe parameter: name=value (repeatable)")
	fs.StringVar(&opts.OutDir, "out", "", "folder for metrics.json, run.json, plots and saved models")
	fs.Var(&reads, "allow-read", "let the recipe read under PATH (repeatable)")
	fs.Var(&writes, "allow-write", "let the recipe write under PATH (repeatable)")
	fs.Var((*durationFlag)(&opts.Timeout), "timeout", "stop the run after this duration, such as 90s or 10m (0: no limit)")
	fs.Var(&maxMem, "max-memory", "bound the bytes of live tensors, such as 2GiB (default: no bound)")
	fs.BoolVar(&opts.NoSandbox, "no-sandbox", false, "allow the recipe to read and write any path (only for recipes you trust)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"run takes one recipe file: pare run RECIPE.star [flags]"}
	}
	if opts.Timeout < 0 {
		return usageError{fmt.Sprintf("--timeout %s: want a positive duration such as 90s or 10m, or 0 for no limit", opts.Timeout)}
	}
	if _, err := lang.ParseSets(sets); err != nil {
		return usageError{err.Error()}
	}
	opts.Recipe = pos[0]
	opts.Sets, opts.AllowRead, opts.AllowWrite = sets, reads, writes
	opts.MaxMemory = int64(maxMem)
	opts.Stdout, opts.Stderr = stdout, stderr

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	_, err = lang.Run(ctx, opts)
	if err != nil {
		fmt.Fprintf(stderr, "pare: %v\n", err)
		return exitCode(1)
	}
	return nil
}

func cmdCheck(files []string, stderr io.Writer) error {
	if len(files) == 0 {
		return usageError{"check needs at least one FILE"}
	}
	failed := false
	for _, f := range files {
		if err := lang.Check(f); err != nil {
			fmt.Fprintf(stderr, "%v\n", err)
			failed = true
		}
	}
	if failed {
		return exitCode(1)
	}
	return nil
}

func cmdData(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return usageError{"data needs a subcommand: list or path NAME"}
	}
	root, err := catalog.Root()
	if err != nil {
		return err
	}
	switch args[0] {
	case "list":
		if len(args) != 1 {
			return usageError{"data list takes no arguments"}
		}
		fmt.Fprintf(stdout, "data folder: %s\n\n", root)
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tPATH\tBYTES\tLICENSE\tDESCRIPTION")
		for _, e := range catalog.Entries() {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", e.Name, e.Rel, e.Size(), e.License, e.Description)
		}
		return tw.Flush()
	case "path":
		if len(args) != 2 {
			return usageError{"data path takes one NAME"}
		}
		p, _, err := catalog.NewVerifier().Resolve(root, args[1])
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, p)
		return nil
	}
	return usageError{fmt.Sprintf("unknown data subcommand %q; want list or path", args[0])}
}

func cmdBench(args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "gemm" {
		return usageError{"bench needs a kernel: pare bench gemm --n N [--threads T]"}
	}
	fs := flag.NewFlagSet("bench gemm", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	n := fs.Int("n", 1024, "matrix size: C[n×n] = A[n×n]·B[n×n]")
	threads := fs.Int("threads", runtime.NumCPU(), "worker threads")
	backend := fs.String("backend", "", "kernel backend (default: the fastest native one); `pare bench gemm --list` shows them")
	compare := fs.String("compare", "", "also time these backends, comma-separated (such as openblas in a -tags openblas build), and print each one's ratio to --backend")
	list := fs.Bool("list", false, "list the backends of this build and CPU")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return nil
		}
		return usageError{err.Error()}
	}
	if *list {
		for _, name := range kernels.Backends() {
			fmt.Fprintln(stdout, name)
		}
		return nil
	}
	if *n < 1 || *threads < 1 {
		return usageError{"--n and --threads must be positive"}
	}
	name := *backend
	if name == "" {
		name = kernels.DefaultBackend()
	}
	for _, b := range append([]string{name}, strings.Split(*compare, ",")...) {
		if b = strings.TrimSpace(b); b != "" && !slices.Contains(kernels.Backends(), b) {
			return usageError{fmt.Sprintf("bench gemm: unknown backend %q; this build has %s (openblas needs a -tags openblas build)", b, strings.Join(kernels.Backends(), ", "))}
		}
	}
	gflops, err := kernels.BenchGEMM(*n, *threads, name)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "gemm n=%d threads=%d backend=%s gflops=%.1f\n", *n, *threads, name, gflops)
	if *compare == "" {
		return nil
	}
	for _, other := range strings.Split(*compare, ",") {
		other = strings.TrimSpace(other)
		g, err := kernels.BenchGEMM(*n, *threads, other)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "gemm n=%d threads=%d backend=%s gflops=%.1f ratio_%s_to_%s=%.3f\n", *n, *threads, other, g, name, other, gflops/g)
	}
	return nil
}
