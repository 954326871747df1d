package lang

import (
	"fmt"
	"io"
	"strings"

	"pare/builtins/host"
)

// Doc writes the documentation of every module (target ""), of one module
// ("tensor") or of one builtin ("tensor.zeros"), from the registry the
// interpreter uses.
func Doc(w io.Writer, target string) error {
	modName, fnName, hasFn := strings.Cut(target, ".")
	if target == "" {
		fmt.Fprintln(w, "pare modules (pare doc MODULE for its functions, pare doc MODULE.NAME for one):")
		fmt.Fprintln(w)
		for _, m := range host.Modules() {
			fmt.Fprintf(w, "  %-8s %s\n", m.Name, firstLine(m.Doc))
		}
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Recipe builtins: params(**defaults), report(**metrics), struct(**fields), math, json, load().")
		return nil
	}
	m := host.Lookup(modName)
	if m == nil {
		return fmt.Errorf("no module %q; modules: %s", modName, moduleNames())
	}
	if hasFn {
		b := m.Find(fnName)
		if b == nil {
			return fmt.Errorf("module %s has no function %q; see `pare doc %s`", modName, fnName, modName)
		}
		fmt.Fprintf(w, "%s.%s\n", m.Name, strings.TrimRight(b.Doc, "\n"))
		return nil
	}
	fmt.Fprintf(w, "%s: %s\n\n", m.Name, strings.TrimRight(m.Doc, "\n"))
	for _, b := range m.Builtins {
		sig, rest, _ := strings.Cut(b.Doc, "\n")
		fmt.Fprintf(w, "%s.%s\n", m.Name, sig)
		if p := firstLine(strings.TrimSpace(rest)); p != "" {
			fmt.Fprintf(w, "    %s\n", p)
		}
	}
	return nil
}

// firstLine returns the first sentence of a doc text, joined onto one line
// when it wraps.
func firstLine(s string) string {
	para, _, _ := strings.Cut(strings.TrimSpace(s), "\n\n")
	para = strings.Join(strings.Fields(para), " ")
	if i := strings.Index(para, ". "); i >= 0 {
		return para[:i+1]
	}
	return para
}

func moduleNames() string {
	var names []string
	for _, m := range host.Modules() {
		names = append(names, m.Name)
	}
	return strings.Join(names, ", ")
}
