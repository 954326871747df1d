package kg_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"pare/lang"
)

// TestRecipes runs the apex_* recipes through lang.Run, as `pare run` does,
// when PARE_APEX_RECIPES names them (comma-separated, e.g.
// "apex_fb15k237,apex_wordnet") and PARE_APEX_OUT names an output folder.
// They take minutes, so they are not part of the default test run.
func TestRecipes(t *testing.T) {
	names := os.Getenv("PARE_APEX_RECIPES")
	outRoot := os.Getenv("PARE_APEX_OUT")
	if names == "" || outRoot == "" {
		t.Skip("set PARE_APEX_RECIPES and PARE_APEX_OUT to run the apex recipes")
	}
	for _, name := range strings.Split(names, ",") {
		out := filepath.Join(outRoot, name)
		os.RemoveAll(out)
		var sets []string
		if s := os.Getenv("PARE_APEX_SET"); s != "" {
			sets = strings.Split(s, ";")
		}
		res, err := lang.Run(context.Background(), lang.Options{
			Recipe:    filepath.Join("..", "..", "recipes", name+".star"),
			OutDir:    out,
			Sets:      sets,
			AllowRead: []string{"/usr/share/wordnet"},
		})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b, _ := json.MarshalIndent(res.Metrics, "", "  ")
		t.Logf("%s metrics:\n%s", name, b)
	}
}
