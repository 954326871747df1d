package llm

import (
	"context"
	"math"
	"strings"
	"testing"
)

// refWindowNLL returns the summed NLL of ids[first:] predicted inside one
// window, from the float64 reference.
func refWindowNLL(r *refModel, window []int, first int) (float64, int) {
	lg := r.logits(window)
	var s float64
	n := 0
	for p := first; p < len(window); p++ {
		row := lg[p-1]
		mx := math.Inf(-1)
		for _, v := range row {
			mx = math.Max(mx, v)
		}
		var z float64
		for _, v := range row {
			z += math.Exp(v - mx)
		}
		s += mx + math.Log(z) - row[window[p]]
		n++
	}
	return s, n
}

func TestPerplexitySegmentation(t *testing.T) {
	m := tinyModel(t, tinyConfig())
	ref := refFromModel(m)
	ids := randomIDs(23, m.Config.VocabSize, 11)
	cases := []struct {
		name           string
		window, stride int
		// spans lists (begin, end, first scored position) of each window.
		spans       [][3]int
		wantWindows int
	}{
		{"non-overlapping", 5, 0, [][3]int{{0, 5, 1}, {5, 10, 6}, {10, 15, 11}, {15, 20, 16}}, 4},
		{"strided", 8, 4, [][3]int{{0, 8, 1}, {4, 12, 8}, {8, 16, 12}, {12, 20, 16}, {16, 23, 20}}, 5},
		{"short-text", 40, 0, [][3]int{{0, 23, 1}}, 1},
	}
	for _, tc := range cases {
		got, err := m.Perplexity(context.Background(), ids, tc.window, tc.stride)
		if err != nil {
			t.Fatal(err)
		}
		var sum float64
		var n int
		for _, s := range tc.spans {
			w := ids[s[0]:s[1]]
			ls, ln := refWindowNLL(ref, w, s[2]-s[0])
			sum += ls
			n += ln
		}
		if got.Tokens != n || got.Windows != tc.wantWindows {
			t.Errorf("%s: tokens %d windows %d, want %d and %d", tc.name, got.Tokens, got.Windows, n, tc.wantWindows)
		}
		want := sum / float64(n)
		if math.Abs(got.NLL-want) > 1e-5*want {
			t.Errorf("%s: NLL %.7f, want %.7f", tc.name, got.NLL, want)
		}
		if math.Abs(got.PPL-math.Exp(want)) > 1e-4*math.Exp(want) {
			t.Errorf("%s: PPL %.5f, want %.5f", tc.name, got.PPL, math.Exp(want))
		}
	}
}

func TestKLMatchesReference(t *testing.T) {
	p := tinyModel(t, tinyConfig())
	q := p.Clone()
	q.Layers[0].WGate.Data()[3] += 0.5
	q.Layers[1].WQ.Data()[7] -= 0.5
	const B, T = 3, 6
	ids := randomIDs(B*T, p.Config.VocabSize, 12)

	self, err := KL(context.Background(), p, p, ids, B, T)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(self) > 1e-7 {
		t.Errorf("KL(P‖P): got %g, want 0", self)
	}

	got, err := KL(context.Background(), p, q, ids, B, T)
	if err != nil {
		t.Fatal(err)
	}
	rp, rq := refFromModel(p), refFromModel(q)
	var want float64
	for b := 0; b < B; b++ {
		lp, lq := rp.logits(ids[b*T:(b+1)*T]), rq.logits(ids[b*T:(b+1)*T])
		for tt := range lp {
			zp, zq := logSumExp64(lp[tt]), logSumExp64(lq[tt])
			for v := range lp[tt] {
				a, c := lp[tt][v]-zp, lq[tt][v]-zq
				want += math.Exp(a) * (a - c)
			}
		}
	}
	want /= B * T
	if want <= 0 || math.Abs(got-want) > 1e-4*want {
		t.Errorf("KL(P‖Q): got %g, want %g", got, want)
	}
}

func logSumExp64(x []float64) float64 {
	m := math.Inf(-1)
	for _, v := range x {
		m = math.Max(m, v)
	}
	var s float64
	for _, v := range x {
		s += math.Exp(v - m)
	}
	return m + math.Log(s)
}

func TestSplitLastWord(t *testing.T) {
	cases := []struct {
		passage, context, word string
		ok                     bool
	}{
		{"She went to the park.", "She went to the park"[:15], "park", true},
		{"He said \"hello!\"", "He said", "hello", true},
		{"alone", "", "", false},
		{"two words\n", "two", "words", true},
	}
	for _, tc := range cases {
		c, w, ok := splitLastWord(tc.passage)
		if c != tc.context || w != tc.word || ok != tc.ok {
			t.Errorf("splitLastWord(%q): got (%q, %q, %v), want (%q, %q, %v)", tc.passage, c, w, ok, tc.context, tc.word, tc.ok)
		}
	}
}

func TestSampleWindows(t *testing.T) {
	ids := randomIDs(100, 50, 13)
	a, err := SampleWindows(ids, 8, 10, 3)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := SampleWindows(ids, 8, 10, 3)
	c, _ := SampleWindows(ids, 8, 10, 4)
	same := true
	for i := range a {
		if len(a[i]) != 10 {
			t.Fatalf("window %d has %d tokens, want 10", i, len(a[i]))
		}
		for j := range a[i] {
			if a[i][j] != b[i][j] {
				t.Fatalf("seed 3 twice: window %d differs", i)
			}
			same = same && a[i][j] == c[i][j]
		}
	}
	if same {
		t.Error("seeds 3 and 4 drew the same windows")
	}
	if _, err := SampleWindows(ids, 1, 101, 0); err == nil {
		t.Error("window longer than the text: got no error")
	}
}

func TestStoriesLastWordAndChoice(t *testing.T) {
	m := loadStories(t)
	passages := strings.Join([]string{
		"Once upon a time, there was a little girl named Lily. She loved to play outside in the park.",
		"Tom had a red ball. He liked to throw the ball.",
		"The cat sat on the mat.",
	}, "\n\n")
	lw, err := m.LastWordAccuracy(context.Background(), passages, 0)
	if err != nil {
		t.Fatal(err)
	}
	if lw.Passages != 3 {
		t.Errorf("lastword passages: got %d, want 3", lw.Passages)
	}
	t.Logf("last-word accuracy on 3 passages: %d correct", lw.Correct)
	if lw.Correct < 1 {
		t.Errorf("last-word: the greedy continuation \"park\" of the model's own favourite sentence was not predicted")
	}

	items := []ChoiceItem{
		{Context: "Once upon a time, there was a little girl named", Choices: []string{" Lily", " Zqx"}, Label: 0},
		{Context: "She loved to play outside in the", Choices: []string{" xylophonezz", " park"}, Label: 1},
	}
	mc, err := m.MultipleChoiceScores(context.Background(), items)
	if err != nil {
		t.Fatal(err)
	}
	if mc.Accuracy != 1 || mc.AccuracyNorm != 1 {
		t.Errorf("multiple choice: accuracy %g, normalised %g, want 1 and 1 (scores %v)", mc.Accuracy, mc.AccuracyNorm, mc.Scores)
	}
	ids, from, err := m.continuation(items[0].Context, items[0].Choices[0])
	if err != nil {
		t.Fatal(err)
	}
	ref := refFromLlama2C(t, dataPath(t, "llm/stories260K.bin"))
	sum, _ := refWindowNLL(ref, ids, from)
	if math.Abs(mc.Scores[0][0]+sum) > 1e-4*sum {
		t.Errorf("choice log-likelihood: got %g, want %g", mc.Scores[0][0], -sum)
	}
}
