package kernels

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// microKernel computes one mr×nr tile: C = alpha·(Ã·B̃) + beta·C, where Ã is a
// packed A micro-panel (k steps of mr values, one per row) and B̃ is a packed
// B micro-panel (k steps of nr values, one per column). C is row-major with
// row stride ldc. When beta is 0, C is written without being read.
type microKernel func(k int, a, b, c []float32, ldc int, alpha, beta float32)

// packedGemm is a blocked SGEMM in the style of Goto and van de Geijn,
// "Anatomy of High-Performance Matrix Multiplication" (ACM TOMS 34(3), 2008).
// op(B) is packed in kc×nc blocks, meant to stay in L3, made of nr-wide
// micro-panels that stay in L1. op(A) is packed in mc×kc blocks, meant for
// L2, made of mr-high micro-panels. A register-blocked micro-kernel
// multiplies one micro-panel pair into an mr×nr tile of C.
type packedGemm struct {
	mr, nr     int
	kc, mc, nc int
	kernel     microKernel
}

// serialFlops is the work (2·m·n·k) below which Sgemm runs on one goroutine,
// because below it the cost of waking a second one is a large share.
const serialFlops = 1 << 21

// maxTile bounds mr·nr, the size of the edge-tile buffer.
const maxTile = 512

func roundUp(x, multiple int) int { return (x + multiple - 1) / multiple * multiple }

func ceilDiv(x, y int) int { return (x + y - 1) / y }

// run computes C = alpha·op(A)·op(B) + beta·C on up to threads goroutines.
// Arguments are already checked. It returns ctx.Err() as soon as it finds
// ctx done between blocks, leaving C partly updated.
func (g *packedGemm) run(ctx context.Context, threads int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) error {
	if m == 0 || n == 0 {
		return nil
	}
	if k == 0 || alpha == 0 {
		scaleMatrix(m, n, beta, c, ldc)
		return nil
	}
	if productFlops(m, n, k) < serialFlops {
		threads = 1
	}
	threads = max(threads, 1)

	bBuf := getBuffer(min(k, g.kc) * roundUp(min(n, g.nc), g.nr))
	defer putBuffer(bBuf)
	for jc := 0; jc < n; jc += g.nc {
		nb := min(g.nc, n-jc)
		for pc := 0; pc < k; pc += g.kc {
			if err := ctx.Err(); err != nil {
				return err
			}
			kb := min(g.kc, k-pc)
			blockBeta := beta
			if pc > 0 {
				blockBeta = 1
			}
			blk := gemmBlock{
				g: g, transA: transA, transB: transB,
				m: m, nb: nb, kb: kb, jc: jc, pc: pc,
				alpha: alpha, beta: blockBeta,
				a: a, lda: lda, b: b, ldb: ldb, c: c[jc:], ldc: ldc,
				bp: (*bBuf)[:kb*roundUp(nb, g.nr)],
			}
			blk.run(threads)
		}
	}
	return nil
}

// gemmBlock is the work on one packed kb×nb block B̃ of op(B):
// C[:, jc:jc+nb] = alpha·op(A)[:, pc:pc+kb]·B̃ + beta·C[:, jc:jc+nb].
//
// The workers first pack B̃ one micro-panel at a time, then compute runs of
// A micro-panels against all of B̃ (or, for short and wide C, single A
// micro-panels against column groups of B̃). Both are handed out from shared
// counters, so a worker that starts late takes less work instead of delaying
// the others. Late starts come from goroutine wake-ups and from cores busy
// with other processes. Only the step between packing and computing waits.
type gemmBlock struct {
	g              *packedGemm
	transA, transB bool
	m, nb, kb      int
	jc, pc         int
	alpha, beta    float32
	a              []float32
	lda            int
	b              []float32
	ldb            int
	c              []float32 // starts at column jc
	ldc            int
	bp             []float32 // packed B̃

	threads   int
	panels    int          // B micro-panels
	packNext  atomic.Int64 // next B micro-panel to pack
	packDone  atomic.Int64 // B micro-panels packed
	rowPanels int          // A micro-panels, mr rows each
	rowNext   atomic.Int64 // next A micro-panel to compute
	colGroups int          // column groups of the fixed-item split, or 1
	items     int          // items of the fixed-item split
	itemNext  atomic.Int64 // next item of the fixed-item split
}

func (blk *gemmBlock) run(threads int) {
	g := blk.g
	blk.panels = ceilDiv(blk.nb, g.nr)
	blk.threads = threads
	blk.rowPanels = ceilDiv(blk.m, g.mr)

	// With few row panels per worker (short, wide C), split columns too and
	// hand out fixed (row chunk, column group) items.
	blk.colGroups = 1
	if blk.rowPanels < 2*threads {
		blk.colGroups = min(threads, blk.panels)
	}
	blk.items = blk.rowPanels * blk.colGroups

	workers := min(threads, max(blk.items, blk.panels))
	runParallel(workers, blk.work)
}

// nextRows claims the next run of row panels and returns its first panel and
// count, or count 0 when none are left. Runs shrink as the remaining work
// does (guided self-scheduling), so the workers finish within about one
// panel of each other.
func (blk *gemmBlock) nextRows() (first, count int) {
	maxRun := max(blk.g.mc/blk.g.mr, 1)
	for {
		cur := blk.rowNext.Load()
		left := int64(blk.rowPanels) - cur
		if left <= 0 {
			return 0, 0
		}
		take := min(max(left/int64(2*blk.threads), 1), int64(maxRun))
		if blk.rowNext.CompareAndSwap(cur, cur+take) {
			return int(cur), int(take)
		}
	}
}

func (blk *gemmBlock) work() {
	g := blk.g
	kb := blk.kb
	for {
		q := int(blk.packNext.Add(1) - 1)
		if q >= blk.panels {
			break
		}
		g.packB(blk.transB, blk.b, blk.ldb, blk.pc, kb, blk.jc+q*g.nr, min(g.nr, blk.nb-q*g.nr), blk.bp[q*kb*g.nr:(q+1)*kb*g.nr])
		blk.packDone.Add(1)
	}
	waitFor(func() bool { return blk.packDone.Load() == int64(blk.panels) })

	aBuf := getBuffer(max(g.mc, g.mr)*kb + maxTile)
	defer putBuffer(aBuf)
	tile := (*aBuf)[len(*aBuf)-maxTile:]

	if blk.colGroups == 1 {
		for {
			first, count := blk.nextRows()
			if count == 0 {
				return
			}
			ic := first * g.mr
			mb := min(count*g.mr, blk.m-ic)
			ap := (*aBuf)[:count*g.mr*kb]
			g.packA(blk.transA, blk.a, blk.lda, ic, mb, blk.pc, kb, ap)
			g.macroKernel(kb, ap, blk.bp, mb, blk.nb, blk.alpha, blk.beta, blk.c[ic*blk.ldc:], blk.ldc, tile)
		}
	}

	packedRow := -1
	for {
		item := int(blk.itemNext.Add(1) - 1)
		if item >= blk.items {
			return
		}
		r, group := item/blk.colGroups, item%blk.colGroups
		ic := r * g.mr
		mb := min(g.mr, blk.m-ic)
		ap := (*aBuf)[:g.mr*kb]
		if r != packedRow {
			g.packA(blk.transA, blk.a, blk.lda, ic, mb, blk.pc, kb, ap)
			packedRow = r
		}
		q0 := group * blk.panels / blk.colGroups
		q1 := (group + 1) * blk.panels / blk.colGroups
		j0 := q0 * g.nr
		j1 := min(q1*g.nr, blk.nb)
		g.macroKernel(kb, ap, blk.bp[q0*kb*g.nr:], mb, j1-j0, blk.alpha, blk.beta, blk.c[ic*blk.ldc+j0:], blk.ldc, tile)
	}
}

// macroKernel multiplies a packed mb×kb block of A by a packed kb×nb block of
// B into C (top-left corner at c[0]), one mr×nr tile at a time. Tiles cut by
// the edge of C are computed into tile (at least mr·nr elements) and copied.
func (g *packedGemm) macroKernel(kb int, ap, bp []float32, mb, nb int, alpha, beta float32, c []float32, ldc int, tile []float32) {
	mr, nr := g.mr, g.nr
	for jr := 0; jr < nb; jr += nr {
		cols := min(nr, nb-jr)
		bPanel := bp[(jr/nr)*kb*nr : (jr/nr+1)*kb*nr]
		for ir := 0; ir < mb; ir += mr {
			rows := min(mr, mb-ir)
			aPanel := ap[(ir/mr)*kb*mr : (ir/mr+1)*kb*mr]
			cTile := c[ir*ldc+jr:]
			if rows == mr && cols == nr {
				g.kernel(kb, aPanel, bPanel, cTile, ldc, alpha, beta)
				continue
			}
			g.kernel(kb, aPanel, bPanel, tile[:mr*nr], nr, alpha, 0)
			for i := 0; i < rows; i++ {
				dst := cTile[i*ldc : i*ldc+cols]
				src := tile[i*nr : i*nr+cols]
				if beta == 0 {
					copy(dst, src)
					continue
				}
				for j := range dst {
					dst[j] = src[j] + beta*dst[j]
				}
			}
		}
	}
}

// packB copies rows pc..pc+kb and columns j0..j0+cols of op(B) into one
// micro-panel: dst[p*nr+jj] = op(B)[pc+p][j0+jj], with zeros for jj >= cols.
func (g *packedGemm) packB(transB bool, b []float32, ldb, pc, kb, j0, cols int, dst []float32) {
	nr := g.nr
	if transB {
		// Column j0+jj of op(B) is row j0+jj of B, contiguous over p.
		var srcs [maxPanelWidth][]float32
		for jj := 0; jj < cols; jj++ {
			srcs[jj] = b[(j0+jj)*ldb+pc : (j0+jj)*ldb+pc+kb]
		}
		interleave(dst[:kb*nr], srcs[:cols], nr)
		return
	}
	if cols == nr && nr == 32 {
		for p := 0; p < kb; p++ {
			*(*[32]float32)(dst[p*32:]) = *(*[32]float32)(b[(pc+p)*ldb+j0:])
		}
		return
	}
	if cols == nr && nr == 16 {
		for p := 0; p < kb; p++ {
			*(*[16]float32)(dst[p*16:]) = *(*[16]float32)(b[(pc+p)*ldb+j0:])
		}
		return
	}
	for p := 0; p < kb; p++ {
		row := dst[p*nr : (p+1)*nr]
		n := copy(row, b[(pc+p)*ldb+j0:(pc+p)*ldb+j0+cols])
		clear(row[n:])
	}
}

// packA copies rows ic..ic+mb and columns pc..pc+kb of op(A) into mr-high
// micro-panels: panel r holds dst[r*kb*mr + p*mr + ii] = op(A)[ic+r*mr+ii][pc+p],
// with zeros for rows past mb.
func (g *packedGemm) packA(transA bool, a []float32, lda, ic, mb, pc, kb int, dst []float32) {
	mr := g.mr
	for r := 0; r*mr < mb; r++ {
		panel := dst[r*kb*mr : (r+1)*kb*mr]
		rows := min(mr, mb-r*mr)
		i0 := ic + r*mr
		if transA {
			// Column i of op(A) is contiguous in A for each p.
			for p := 0; p < kb; p++ {
				step := panel[p*mr : (p+1)*mr]
				n := copy(step, a[(pc+p)*lda+i0:(pc+p)*lda+i0+rows])
				clear(step[n:])
			}
			continue
		}
		var srcs [maxPanelWidth][]float32
		for ii := 0; ii < rows; ii++ {
			srcs[ii] = a[(i0+ii)*lda+pc : (i0+ii)*lda+pc+kb]
		}
		interleave(panel, srcs[:rows], mr)
	}
}

// maxPanelWidth bounds mr and nr of every packed backend.
const maxPanelWidth = 32

// interleave writes dst[p*width+s] = srcs[s][p] for every source s and step
// p < len(dst)/width, and zeros for s >= len(srcs). All sources have at
// least len(dst)/width elements.
func interleave(dst []float32, srcs [][]float32, width int) {
	kb := len(dst) / width
	if len(srcs) < width {
		clear(dst)
	}
	// Four steps at a time from each source keeps the loads sequential and
	// the stores within a few cache lines.
	p := 0
	for ; p+4 <= kb; p += 4 {
		d0 := dst[p*width : (p+1)*width]
		d1 := dst[(p+1)*width : (p+2)*width]
		d2 := dst[(p+2)*width : (p+3)*width]
		d3 := dst[(p+3)*width : (p+4)*width]
		for s, src := range srcs {
			v := (*[4]float32)(src[p : p+4])
			d0[s] = v[0]
			d1[s] = v[1]
			d2[s] = v[2]
			d3[s] = v[3]
		}
	}
	for ; p < kb; p++ {
		d := dst[p*width : (p+1)*width]
		for s, src := range srcs {
			d[s] = src[p]
		}
	}
}

var bufferPool sync.Pool

// getBuffer returns a pooled slice of n elements with unspecified contents.
func getBuffer(n int) *[]float32 {
	if v, ok := bufferPool.Get().(*[]float32); ok && cap(*v) >= n {
		*v = (*v)[:n]
		return v
	}
	// Round up so buffers of nearby sizes can be reused.
	s := make([]float32, n, roundUp(n, 4096))
	return &s
}

func putBuffer(b *[]float32) { bufferPool.Put(b) }

// waitFor returns once done reports true: it yields for a while, which covers
// the usual case of another worker finishing one panel, then sleeps between
// checks so a worker whose core was taken by another process can run.
func waitFor(done func() bool) {
	for spins := 0; !done(); spins++ {
		if spins < 1000 {
			runtime.Gosched()
		} else {
			time.Sleep(20 * time.Microsecond)
		}
	}
}
