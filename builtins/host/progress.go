package host

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// Progress reports long work on stderr: a line every few seconds, and a
// final line with the elapsed time. It is safe for concurrent use.
type Progress struct {
	mu    sync.Mutex
	w     io.Writer
	label string
	total int
	done  int
	start time.Time
	last  time.Time
	every time.Duration
}

// NewProgress starts reporting work of total steps (0 when unknown).
func (s *Session) NewProgress(label string, total int) *Progress {
	w := s.Stderr
	if w == nil {
		w = os.Stderr
	}
	now := time.Now()
	return &Progress{w: w, label: label, total: total, start: now, last: now, every: 3 * time.Second}
}

// Add records n more steps and prints a line when the interval has passed.
func (p *Progress) Add(n int, detail string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += n
	now := time.Now()
	if now.Sub(p.last) < p.every {
		return
	}
	p.last = now
	if p.total > 0 {
		fmt.Fprintf(p.w, "%s: %d/%d (%.0f%%) %s %s\n", p.label, p.done, p.total, 100*float64(p.done)/float64(p.total), now.Sub(p.start).Round(time.Second), detail)
	} else {
		fmt.Fprintf(p.w, "%s: %d %s %s\n", p.label, p.done, now.Sub(p.start).Round(time.Second), detail)
	}
}

// Done prints the closing line when the work took longer than one interval.
func (p *Progress) Done() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if el := time.Since(p.start); el >= p.every {
		fmt.Fprintf(p.w, "%s: done in %s\n", p.label, el.Round(100*time.Millisecond))
	}
}
