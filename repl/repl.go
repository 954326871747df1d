// Package repl is pare's interactive session: line editing and history
// with github.com/peterh/liner on a terminal, plain line reading otherwise.
package repl

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"

	"github.com/peterh/liner"
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"pare/lang"
)

const help = `pare REPL: Starlark with pare's modules (tensor, nn, llm, prune, ot, moe, kg, graph, ssl, data, ...).
  :help          this text
  :doc NAME      documentation of a module or builtin, such as :doc tensor or :doc tensor.zeros
  :load FILE     run FILE in this session, keeping its definitions
  Ctrl-C         cancel the running statement (the session continues)
  Ctrl-D         leave
Multi-line blocks (def, for, if) end with an empty line.`

// Run starts a session reading stdin. On a terminal it uses line editing,
// tab completion and history in the user's config folder. Otherwise it reads
// lines and prints results, so input can be piped in.
func Run(stdin io.Reader, stdout, stderr io.Writer) error {
	in, err := lang.NewInteractive(stdout, stderr)
	if err != nil {
		return err
	}
	f, isFile := stdin.(*os.File)
	if isFile && liner.TerminalSupported() && isTerminal(f) {
		return runTerminal(in, stdout, stderr)
	}
	return runPiped(in, stdin, stdout, stderr)
}

func isTerminal(f *os.File) bool {
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// runPiped executes statements read from a non-terminal input. Errors are
// printed and the session continues, as in the interactive case; the exit
// status is 1 when any statement failed.
func runPiped(in *lang.Interactive, stdin io.Reader, stdout, stderr io.Writer) error {
	r := bufio.NewReader(stdin)
	failed := false
	// pending is a line read past the end of a block. A terminal user ends a
	// block with a blank line, but piped input may go straight on with a
	// statement at column 0, which then starts the next statement.
	var pending []byte
	for {
		eof := false
		lines, block, indented := 0, false, false
		readline := func() ([]byte, error) {
			line := pending
			pending = nil
			if line == nil {
				var err error
				line, err = r.ReadBytes('\n')
				if err == io.EOF {
					eof = true
					if len(line) == 0 {
						return nil, io.EOF
					}
					line = append(line, '\n')
				} else if err != nil {
					return nil, err
				}
			}
			text := strings.TrimRight(string(line), " \t\r\n")
			lines++
			switch {
			case lines == 1:
				block = strings.HasSuffix(text, ":")
			case block && indented && text != "" && text[0] != ' ' && text[0] != '\t' && !continuesBlock(text):
				pending, eof = line, false
				return []byte("\n"), nil
			case text != "" && (text[0] == ' ' || text[0] == '\t'):
				indented = true
			}
			return line, nil
		}
		if pending == nil {
			peek, err := r.Peek(1)
			if err == io.EOF || len(peek) == 0 {
				break
			}
			if peek[0] == ':' {
				line, _ := r.ReadString('\n')
				if !command(in, strings.TrimSpace(line), stdout, stderr) {
					failed = true
				}
				continue
			}
		}
		file, err := in.Parse(readline)
		if err != nil {
			if eof && errors.Is(err, io.EOF) {
				break
			}
			fmt.Fprintln(stderr, lang.ErrorText(err))
			failed = true
			if eof {
				break
			}
			continue
		}
		if !runStatement(in, file, stdout, stderr) {
			failed = true
		}
		if eof {
			break
		}
	}
	if failed {
		return exitError{}
	}
	return nil
}

// continuesBlock reports whether a line at column 0 continues the block
// before it (an else or elif clause) rather than starting a new statement.
func continuesBlock(text string) bool {
	for _, kw := range []string{"else", "elif"} {
		if rest, ok := strings.CutPrefix(text, kw); ok && (rest == "" || rest[0] == ':' || rest[0] == ' ' || rest[0] == '(') {
			return true
		}
	}
	return false
}

// exitError makes main exit with status 1 without printing more.
type exitError struct{}

func (exitError) Error() string { return "exit 1" }

// ExitCode lets main map the error to a status.
func (exitError) ExitCode() int { return 1 }

// runStatement executes one parsed statement and prints a lone
// expression's value. It reports whether the statement succeeded.
func runStatement(in *lang.Interactive, file *syntax.File, stdout, stderr io.Writer) bool {
	v, err := in.Exec(file)
	if err != nil {
		fmt.Fprintln(stderr, lang.ErrorText(err))
		return false
	}
	if v != nil && v != starlark.None {
		fmt.Fprintln(stdout, v.String())
	}
	return true
}

// command runs a ':' command and reports whether it succeeded.
func command(in *lang.Interactive, line string, stdout, stderr io.Writer) bool {
	name, arg, _ := strings.Cut(strings.TrimPrefix(line, ":"), " ")
	arg = strings.TrimSpace(arg)
	switch name {
	case "help", "h", "?":
		fmt.Fprintln(stdout, help)
		return true
	case "doc":
		if err := lang.Doc(stdout, arg); err != nil {
			fmt.Fprintln(stderr, err)
			return false
		}
		return true
	case "load":
		if arg == "" {
			fmt.Fprintln(stderr, ":load needs a FILE")
			return false
		}
		if err := in.LoadFile(arg); err != nil {
			fmt.Fprintln(stderr, lang.ErrorText(err))
			return false
		}
		return true
	}
	fmt.Fprintf(stderr, "unknown command :%s; :help lists the commands\n", name)
	return false
}

func runTerminal(in *lang.Interactive, stdout, stderr io.Writer) error {
	ln := liner.NewLiner()
	defer ln.Close()
	ln.SetCtrlCAborts(true)
	ln.SetMultiLineMode(true)
	ln.SetCompleter(in.Complete)
	hist := historyPath()
	if hist != "" {
		if fh, err := os.Open(hist); err == nil {
			ln.ReadHistory(fh)
			fh.Close()
		}
		defer saveHistory(ln, hist)
	}
	fmt.Fprintf(stdout, "pare %s REPL. :help for commands, Ctrl-D to leave.\n", lang.Version)

	// Ctrl-C while a statement runs cancels it; at the prompt liner
	// handles Ctrl-C itself.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	defer signal.Stop(sig)
	go func() {
		for range sig {
			in.Interrupt()
		}
	}()

	for {
		first, err := ln.Prompt(">>> ")
		switch {
		case errors.Is(err, liner.ErrPromptAborted):
			continue
		case err != nil: // io.EOF on Ctrl-D
			fmt.Fprintln(stdout)
			return nil
		}
		if strings.TrimSpace(first) == "" {
			continue
		}
		if strings.HasPrefix(strings.TrimSpace(first), ":") {
			ln.AppendHistory(first)
			command(in, strings.TrimSpace(first), stdout, stderr)
			continue
		}
		lines := []string{first}
		pending := true
		readline := func() ([]byte, error) {
			if pending {
				pending = false
				return []byte(first + "\n"), nil
			}
			line, err := ln.Prompt("... ")
			if err != nil {
				return nil, err
			}
			lines = append(lines, line)
			return []byte(line + "\n"), nil
		}
		file, err := in.Parse(readline)
		ln.AppendHistory(strings.Join(lines, "\n"))
		if err != nil {
			if errors.Is(err, liner.ErrPromptAborted) {
				fmt.Fprintln(stdout, "(cancelled)")
			} else if !errors.Is(err, io.EOF) {
				fmt.Fprintln(stderr, lang.ErrorText(err))
			}
			continue
		}
		runStatement(in, file, stdout, stderr)
	}
}

func historyPath() string {
	dir, err := os.UserConfigDir()
	if err != nil {
		return ""
	}
	dir = filepath.Join(dir, "pare")
	if os.MkdirAll(dir, 0o755) != nil {
		return ""
	}
	return filepath.Join(dir, "history")
}

func saveHistory(ln *liner.State, path string) {
	f, err := os.Create(path)
	if err != nil {
		return
	}
	defer f.Close()
	ln.WriteHistory(f)
}
