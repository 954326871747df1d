package kernels

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// ParallelFor splits [0, n) into contiguous chunks of at least grain items
// and calls fn on each chunk, using up to GOMAXPROCS goroutines. It returns
// when every chunk is done. With n <= grain it calls fn(0, n) on the caller's
// goroutine. Chunks are handed out dynamically, so one goroutine may get
// several and a slow one fewer.
func ParallelFor(n, grain int, fn func(lo, hi int)) {
	parallelForWorkers(runtime.GOMAXPROCS(0), n, grain, fn)
}

// chunksPerWorker is how many chunks ParallelFor aims for per goroutine, so a
// goroutine that starts late or runs on a busy core delays the loop less.
const chunksPerWorker = 4

// parallelForWorkers is ParallelFor with an explicit goroutine budget.
func parallelForWorkers(workers, n, grain int, fn func(lo, hi int)) {
	if n <= 0 {
		return
	}
	grain = max(grain, 1)
	// Chunk c is [c·n/chunks, (c+1)·n/chunks), and chunks <= n/grain keeps
	// every chunk at least grain long.
	chunks := min(n/grain, workers*chunksPerWorker)
	workers = min(workers, chunks)
	if workers <= 1 {
		fn(0, n)
		return
	}
	var next atomic.Int64
	runParallel(workers, func() {
		for {
			c := int(next.Add(1) - 1)
			if c >= chunks {
				return
			}
			fn(c*n/chunks, (c+1)*n/chunks)
		}
	})
}

// helperSpin is how long an idle pool helper keeps polling for work before
// it parks. Back-to-back parallel calls (a training loop, a benchmark) then
// find the helpers running, which saves a thread wake-up per call. It costs
// up to this much CPU after each call.
const helperSpin = 50 * time.Microsecond

// closedBit marks a job as closed to helpers that have not joined it yet.
const closedBit = 1 << 40

// workerPool runs one job at a time on the caller plus persistent helper
// goroutines. A job's function takes its work from shared counters, so it is
// correct whatever number of helpers join it.
type workerPool struct {
	mu      sync.Mutex // serialises jobs, and callers that find it held spawn goroutines
	job     atomic.Pointer[poolJob]
	seq     atomic.Uint64 // incremented for each job
	helpers []*poolHelper
}

type poolJob struct {
	fn   func()
	want int          // helpers that may join: those with index < want
	runs atomic.Int64 // helpers inside fn, plus closedBit once closed
	done chan struct{}
}

type poolHelper struct {
	index    int
	sleeping atomic.Bool
	wake     chan struct{}
}

var pool = &workerPool{}

// runParallel calls fn on the caller's goroutine and on up to workers-1 other
// goroutines at once, and returns when every call has returned. fn must share
// its work through atomics, because a helper that starts after the caller's
// call has returned does not run fn at all.
func runParallel(workers int, fn func()) {
	if workers <= 1 {
		fn()
		return
	}
	p := pool
	if !p.mu.TryLock() {
		// Another job is running (possibly the one calling us): use fresh
		// goroutines instead of waiting for it.
		var wg sync.WaitGroup
		for w := 1; w < workers; w++ {
			wg.Go(fn)
		}
		fn()
		wg.Wait()
		return
	}
	defer p.mu.Unlock()
	for len(p.helpers) < workers-1 {
		h := &poolHelper{index: len(p.helpers), wake: make(chan struct{}, 1)}
		p.helpers = append(p.helpers, h)
		go p.serve(h, p.seq.Load())
	}

	job := &poolJob{fn: fn, want: workers - 1, done: make(chan struct{}, 1)}
	p.job.Store(job)
	p.seq.Add(1)
	for _, h := range p.helpers[:workers-1] {
		if h.sleeping.Load() {
			select {
			case h.wake <- struct{}{}:
			default:
			}
		}
	}

	fn()

	// Close the job to helpers that have not joined, then block (not spin,
	// which would compete with them for a core) until the ones inside leave.
	if job.runs.Add(closedBit) != closedBit {
		<-job.done
	}
}

// serve is a helper's loop: wait for a new job, join it if it is still open
// and wants this helper, repeat.
func (p *workerPool) serve(h *poolHelper, seen uint64) {
	for {
		seen = p.awaitJob(h, seen)
		job := p.job.Load()
		if h.index >= job.want {
			continue
		}
		if job.runs.Add(1)&closedBit == 0 {
			job.fn()
		}
		if job.runs.Add(-1) == closedBit {
			// Last one out of a closed job: wake runParallel. A later
			// helper that bounces off the closed job may try again, and
			// the full buffer drops that signal.
			select {
			case job.done <- struct{}{}:
			default:
			}
		}
	}
}

// awaitJob polls for a sequence number other than seen for helperSpin, then
// parks until runParallel wakes the helper. It returns the new number.
func (p *workerPool) awaitJob(h *poolHelper, seen uint64) uint64 {
	deadline := time.Now().Add(helperSpin)
	for spins := 0; ; spins++ {
		if s := p.seq.Load(); s != seen {
			return s
		}
		if spins%16 == 15 && time.Now().After(deadline) {
			break
		}
		runtime.Gosched()
	}
	for {
		h.sleeping.Store(true)
		// Re-check after announcing sleep. runParallel increments seq before
		// it reads sleeping, so either this load returns the new seq or
		// runParallel reads sleeping as true and sends a wake-up.
		if s := p.seq.Load(); s != seen {
			h.sleeping.Store(false)
			return s
		}
		<-h.wake
		h.sleeping.Store(false)
	}
}
