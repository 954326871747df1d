package host

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// fileLike matches strings that can only be meant as a file name: no
// whitespace, and a folder separator or a short extension.
var fileLike = regexp.MustCompile(`^[^\s]*(/[^\s]*|\.[A-Za-z0-9]{1,8})$`)

// TextArg returns the text a builtin should process for a parameter that
// takes "a string or a file path". A string that looks like a file name
// (no whitespace, and a slash or an extension) must name a readable file:
// relative names resolve against the recipe's folder, the sandbox is
// checked and the file is recorded as an input. Other strings are the text
// itself, unless a file of that name exists in the recipe's folder.
func (s *Session) TextArg(fn, param, text string) (string, error) {
	if strings.ContainsAny(text, "\n") || len(text) >= 4096 {
		return text, nil
	}
	if !fileLike.MatchString(text) {
		p := text
		if !filepath.IsAbs(p) && s.BaseDir != "" {
			p = filepath.Join(s.BaseDir, p)
		}
		if fi, err := os.Stat(p); err != nil || !fi.Mode().IsRegular() {
			return text, nil
		}
	}
	abs, err := s.OpenInput(fn, text)
	if err != nil {
		if os.IsNotExist(err) || strings.Contains(err.Error(), "no such file") {
			return "", fmt.Errorf("%s: %s: file %q not found (relative paths resolve against the recipe's folder %s); pass an existing file or the text itself", fn, param, text, s.BaseDir)
		}
		return "", err
	}
	b, err := os.ReadFile(abs)
	if err != nil {
		return "", fmt.Errorf("%s: %s: %v", fn, param, err)
	}
	return string(b), nil
}
