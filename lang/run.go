package lang

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"time"

	"go.starlark.net/starlark"

	"pare/builtins/host"
	"pare/ops/catalog"
	"pare/ops/store"
	"pare/ops/tensor"
)

// Version is pare's version, set at build time with
// -ldflags "-X pare/lang.Version=...".
var Version = "0.1.0-dev"

// DefaultMaxSteps bounds the Starlark steps of one run, so an endless loop
// in a shared recipe ends with an error instead of running forever. Work
// inside builtins does not count.
const DefaultMaxSteps = 1 << 34

// Options configures one recipe run.
type Options struct {
	Recipe     string
	Sets       []string
	OutDir     string
	AllowRead  []string
	AllowWrite []string
	NoSandbox  bool
	Timeout    time.Duration
	MaxMemory  int64
	MaxSteps   uint64
	Stdout     io.Writer
	Stderr     io.Writer
}

// Result holds the reported metrics of a run.
type Result struct {
	Metrics map[string]any
	// Interrupted is set when the run was cancelled or timed out.
	Interrupted bool
}

// RunError is a failed run: the message plus the Starlark backtrace.
type RunError struct {
	Msg       string
	Backtrace string
}

func (e *RunError) Error() string {
	if e.Backtrace != "" {
		return e.Backtrace
	}
	return e.Msg
}

// runOptions records the command-line settings of a run in run.json.
type runOptions struct {
	Sets       []string `json:"set"`
	Timeout    string   `json:"timeout"`
	MaxMemory  int64    `json:"max_memory_bytes"`
	Sandbox    bool     `json:"sandbox"`
	AllowRead  []string `json:"allow_read"`
	AllowWrite []string `json:"allow_write"`
	DataRoot   string   `json:"data_root"`
}

// runRecord is the content of run.json.
type runRecord struct {
	Recipe       string         `json:"recipe"`
	RecipeSHA256 string         `json:"recipe_sha256"`
	Params       map[string]any `json:"params"`
	Options      runOptions     `json:"options"`
	Settings     map[string]any `json:"settings,omitempty"`
	Inputs       []host.Input   `json:"inputs"`
	PareVersion  string         `json:"pare_version"`
	GoVersion    string         `json:"go_version"`
	Start        time.Time      `json:"start"`
	End          time.Time      `json:"end"`
	Seconds      float64        `json:"seconds"`
	PeakRSSBytes int64          `json:"peak_rss_bytes"`
	PeakTensor   int64          `json:"peak_tensor_bytes"`
	Status       string         `json:"status"`
	Error        string         `json:"error,omitempty"`
}

// Run executes a recipe with the sandbox and limits of opts. ctx cancels it
// (Ctrl-C); opts.Timeout adds a deadline. With opts.OutDir set, outputs are
// staged in a temporary folder beside it and moved in only when the run
// succeeds. A failed or interrupted run leaves only run.json, with its
// status and error.
func Run(ctx context.Context, opts Options) (*Result, error) {
	start := time.Now()
	if opts.Stdout == nil {
		opts.Stdout = os.Stdout
	}
	if opts.Stderr == nil {
		opts.Stderr = os.Stderr
	}
	recipe, err := filepath.Abs(opts.Recipe)
	if err != nil {
		return nil, err
	}
	src, err := os.ReadFile(recipe)
	if err != nil {
		return nil, fmt.Errorf("cannot read recipe: %w", err)
	}
	overrides, err := ParseSets(opts.Sets)
	if err != nil {
		return nil, err
	}

	if opts.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, opts.Timeout, fmt.Errorf("timed out after --timeout %s", opts.Timeout))
		defer cancel()
	}
	session, staging, err := newSession(ctx, recipe, opts)
	if err != nil {
		return nil, err
	}
	if staging != "" {
		defer os.RemoveAll(staging)
	}
	tensor.SetMemoryLimit(opts.MaxMemory)
	defer tensor.SetMemoryLimit(0)

	p := &params{overrides: overrides, used: map[string]bool{}}
	m := &metrics{values: map[string]any{}}
	universe := Universe()
	universe["params"] = p.builtin()
	universe["report"] = m.builtin()
	ld := newLoader(filepath.Dir(recipe), universe, session)

	thread := &starlark.Thread{
		Name:  recipe,
		Print: func(_ *starlark.Thread, msg string) { fmt.Fprintln(opts.Stdout, msg) },
		Load:  ld.load,
	}
	steps := opts.MaxSteps
	if steps == 0 {
		steps = DefaultMaxSteps
	}
	thread.SetMaxExecutionSteps(steps)
	session.Attach(thread)

	done := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- fmt.Errorf("internal error: %v (this is a bug in pare; please report it with the recipe)", r)
			}
		}()
		_, err := starlark.ExecFileOptions(FileOptions, thread, recipe, src, universe)
		if err == nil {
			err = p.check()
		}
		done <- err
	}()

	var runErr error
	interrupted := false
	select {
	case runErr = <-done:
		// A builtin that saw the context end may return before the
		// select below notices it; that failure is still an interrupt.
		if runErr != nil && ctx.Err() != nil {
			interrupted = true
			runErr = interruptError(ctx, session, runErr)
		}
	case <-ctx.Done():
		interrupted = true
		thread.Cancel(interruptCause(ctx))
		var stopped error
		select {
		case stopped = <-done:
		case <-time.After(time.Second):
			stopped = errNotStopped
		}
		runErr = interruptError(ctx, session, stopped)
	}

	status := "ok"
	if runErr != nil {
		status = "failed"
		if interrupted {
			status = "interrupted"
		}
		var ee *starlark.EvalError
		if !interrupted && errors.As(runErr, &ee) {
			runErr = &RunError{Msg: ee.Msg, Backtrace: ErrorText(ee)}
		}
		if staging != "" {
			runErr = unstage(runErr, []string{session.OutDir, staging}, opts.OutDir)
		}
	}

	if opts.OutDir != "" {
		rec := runRecord{
			Recipe: recipe, RecipeSHA256: hashBytes(src), Params: paramsJSON(p),
			Settings: jsonSafeSettings(session.Settings()), Inputs: session.Inputs(),
			Options: runOptions{
				Sets: nonNil(opts.Sets), Timeout: opts.Timeout.String(), MaxMemory: opts.MaxMemory,
				Sandbox: !opts.NoSandbox, AllowRead: nonNil(opts.AllowRead), AllowWrite: nonNil(opts.AllowWrite),
				DataRoot: session.DataRoot,
			},
			PareVersion: Version, GoVersion: runtime.Version(),
			Start: start.UTC(), End: time.Now().UTC(), Seconds: time.Since(start).Seconds(),
			PeakRSSBytes: peakRSS(), PeakTensor: tensor.PeakBytes(), Status: status,
		}
		if runErr != nil {
			rec.Error = runErr.Error()
		}
		if err := finishOutputs(opts.OutDir, staging, session.OutDir, runErr == nil, m.values, rec); err != nil && runErr == nil {
			runErr = err
		}
	}
	return &Result{Metrics: m.values, Interrupted: interrupted}, runErr
}

// errNotStopped replaces the recipe's error when the recipe did not stop
// within a second of the interrupt.
var errNotStopped = errors.New("did not stop")

// interruptCause returns why ctx ended: the --timeout cause, "interrupted"
// for Ctrl-C, or "interrupted by signal: NAME" for another signal.
func interruptCause(ctx context.Context) string {
	cause := context.Cause(ctx)
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return cause.Error()
	}
	// signal.NotifyContext's cause reads "<signal> signal received".
	if name, ok := strings.CutSuffix(cause.Error(), " signal received"); ok && name != "interrupt" {
		return "interrupted by signal: " + name
	}
	return "interrupted"
}

// interruptError builds the report of an interrupted run: the cause, the
// builtin that was running, and the recipe position taken from stopped.
func interruptError(ctx context.Context, session *host.Session, stopped error) *RunError {
	cause := interruptCause(ctx)
	// Read after the recipe stopped: a builtin that saw the context end
	// before this goroutine did has already returned.
	running := session.Interrupted()
	if running != "" && stopped == errNotStopped {
		running += " (it did not stop within 1 s)"
	}
	msg := cause
	if running != "" {
		msg += " while running " + running
	}
	re := &RunError{Msg: msg}
	var ee *starlark.EvalError
	if errors.As(stopped, &ee) {
		// The backtrace gives the recipe position where it stopped.
		// Builtins return ctx.Err(); name the cause instead.
		re.Backtrace = strings.ReplaceAll(ErrorText(ee), ctx.Err().Error(), cause)
		if running != "" {
			re.Backtrace += "\n(" + cause + " while running " + running + ")"
		}
	}
	return re
}

// newSession builds the run's session and sandbox. It returns the staging
// folder for outputs ("" without --out).
func newSession(ctx context.Context, recipe string, opts Options) (*host.Session, string, error) {
	s := host.NewSession(ctx)
	s.Stderr = opts.Stderr
	dataRoot, err := catalog.Root()
	if err != nil {
		return nil, "", err
	}
	s.DataRoot = dataRoot
	s.BaseDir = filepath.Dir(recipe)
	sb := &host.Sandbox{Off: opts.NoSandbox}
	addRoot := func(list *[]string, p string) error {
		r, err := host.ResolveRoot(p)
		if err != nil {
			return err
		}
		*list = append(*list, r)
		return nil
	}
	for _, p := range append([]string{filepath.Dir(recipe), dataRoot}, opts.AllowRead...) {
		if err := addRoot(&sb.Read, p); err != nil {
			return nil, "", err
		}
	}
	for _, p := range opts.AllowWrite {
		if err := addRoot(&sb.Write, p); err != nil {
			return nil, "", err
		}
	}
	staging := ""
	if opts.OutDir != "" {
		out, err := filepath.Abs(opts.OutDir)
		if err != nil {
			return nil, "", err
		}
		if info, err := os.Stat(out); err == nil && !info.IsDir() {
			return nil, "", fmt.Errorf("--out %s exists and is not a folder", opts.OutDir)
		}
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return nil, "", fmt.Errorf("--out %s: %w", opts.OutDir, err)
		}
		var b [6]byte
		rand.Read(b[:])
		staging = filepath.Join(filepath.Dir(out), "."+filepath.Base(out)+".pare-"+hex.EncodeToString(b[:]))
		if err := os.Mkdir(staging, 0o755); err != nil {
			return nil, "", fmt.Errorf("--out %s: %w", opts.OutDir, err)
		}
		if err := addRoot(&sb.Write, staging); err != nil {
			return nil, "", err
		}
		s.OutDir, _ = host.ResolveRoot(staging)
	}
	s.Sandbox = sb
	return s, staging, nil
}

// finishOutputs writes metrics.json into the staging folder and moves the
// staged files into out when the run succeeded, then writes run.json.
// Reported paths, inputs and settings that point into the staging folder
// (stagedAs is its resolved form) are rewritten to where the files end up.
func finishOutputs(out, staging, stagedAs string, ok bool, values map[string]any, rec runRecord) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	final, err := filepath.Abs(out)
	if err != nil {
		return err
	}
	if real, err := filepath.EvalSymlinks(final); err == nil {
		final = real
	}
	staged := []string{stagedAs, staging}
	for i, in := range rec.Inputs {
		rec.Inputs[i].Path = rebase(in.Path, staged, final).(string)
	}
	for k, v := range rec.Settings {
		rec.Settings[k] = rebase(v, staged, final)
	}
	if ok {
		for k, v := range values {
			values[k] = rebase(v, staged, final)
		}
		if err := writeJSON(filepath.Join(staging, "metrics.json"), values); err != nil {
			return err
		}
		entries, err := os.ReadDir(staging)
		if err != nil {
			return err
		}
		for _, e := range entries {
			dst := filepath.Join(out, e.Name())
			if e.IsDir() {
				os.RemoveAll(dst)
			}
			if err := os.Rename(filepath.Join(staging, e.Name()), dst); err != nil {
				return fmt.Errorf("moving %s into --out: %w", e.Name(), err)
			}
		}
	} else {
		// A failed run must not leave the metrics of an earlier run next
		// to its own run.json.
		os.Remove(filepath.Join(out, "metrics.json"))
	}
	return writeJSON(filepath.Join(out, "run.json"), rec)
}

// rebase replaces a leading staging-folder prefix in the strings of v.
func rebase(v any, from []string, to string) any {
	switch x := v.(type) {
	case string:
		for _, f := range from {
			if f != "" && (x == f || strings.HasPrefix(x, f+string(filepath.Separator))) {
				return to + x[len(f):]
			}
		}
		return x
	case map[string]any:
		for k, e := range x {
			x[k] = rebase(e, from, to)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = rebase(e, from, to)
		}
		return x
	}
	return v
}

// unstage names output paths in err by the --out folder the user gave
// rather than the staging folder, which is removed when the run fails.
func unstage(err error, staged []string, out string) error {
	replace := func(s string) string {
		for _, p := range staged {
			if p != "" {
				s = strings.ReplaceAll(s, p, out)
			}
		}
		return s
	}
	var re *RunError
	if errors.As(err, &re) {
		return &RunError{Msg: replace(re.Msg), Backtrace: replace(re.Backtrace)}
	}
	if text := replace(err.Error()); text != err.Error() {
		return errors.New(text)
	}
	return err
}

// jsonSafeSettings replaces non-finite floats in the recorded settings with
// null, because JSON has no literal for them and run.json must be written.
func jsonSafeSettings(settings map[string]any) map[string]any {
	if _, err := json.Marshal(settings); err == nil {
		return settings
	}
	safe, _ := jsonSafe(settings).(map[string]any)
	return safe
}

func writeJSON(path string, v any) error {
	return store.WriteFileAtomic(path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	})
}

func paramsJSON(p *params) map[string]any {
	out := map[string]any{}
	names := append([]string(nil), p.order...)
	sort.Strings(names)
	for _, n := range names {
		v, err := host.ToJSON(p.resolved[n])
		if err != nil {
			v = p.resolved[n].String()
		}
		out[n] = v
	}
	return out
}

// peakRSS returns the process's peak resident memory in bytes.
func peakRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Maxrss * 1024
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func hashBytes(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
