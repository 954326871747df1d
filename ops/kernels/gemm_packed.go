package kernels

import (
	"sync"
	"sync/atomic"
)

// microKernel computes one mr×nr tile: C = alpha·(Ã·B̃) + beta·C, where Ã is a
// packed A micro-panel (k steps of mr values, one per row) and B̃ is a packed
// B micro-panel (k steps of nr values, one per column). C is row-major with
// row stride ldc. When beta is 0, C is written without being read.
type microKernel func(k int, a, b, c []float32, ldc int, alpha, beta float32)

// packedGemm is a blocked SGEMM in the style of Goto and van de Geijn,
// "Anatomy of High-Performance Matrix Multiplication" (ACM TOMS 34(3), 2008):
// op(B) is packed in kc×nc blocks (kept in L3) split into nr-wide
// micro-panels (kept in L1), op(A) in mc×kc blocks (kept in L2) split into
// mr-high micro-panels, and a register-blocked micro-kernel multiplies one
// micro-panel pair into an mr×nr tile of C.
type packedGemm struct {
	mr, nr     int
	kc, mc, nc int
	kernel     microKernel
}

// serialFlops is the work (2·m·n·k) below which Sgemm runs on one goroutine,
// because below it the cost of waking a second one is a large share.
const serialFlops = 1 << 21

// maxTile bounds mr·nr for the edge-tile buffer on the stack.
const maxTile = 512

func roundUp(x, multiple int) int { return (x + multiple - 1) / multiple * multiple }

func ceilDiv(x, y int) int { return (x + y - 1) / y }

// run computes C = alpha·op(A)·op(B) + beta·C on up to threads goroutines.
// Arguments are already checked.
func (g *packedGemm) run(threads int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		scaleMatrix(m, n, beta, c, ldc)
		return
	}
	if 2*m*n*k < serialFlops {
		threads = 1
	}
	threads = max(threads, 1)

	bBuf := getBuffer(min(k, g.kc) * roundUp(min(n, g.nc), g.nr))
	defer putBuffer(bBuf)
	for jc := 0; jc < n; jc += g.nc {
		nb := min(g.nc, n-jc)
		for pc := 0; pc < k; pc += g.kc {
			kb := min(g.kc, k-pc)
			blockBeta := beta
			if pc > 0 {
				blockBeta = 1
			}
			bp := (*bBuf)[:kb*roundUp(nb, g.nr)]
			panels := ceilDiv(nb, g.nr)
			parallelForWorkers(threads, panels, 1, func(lo, hi int) {
				for q := lo; q < hi; q++ {
					g.packB(transB, b, ldb, pc, kb, jc+q*g.nr, min(g.nr, nb-q*g.nr), bp[q*kb*g.nr:(q+1)*kb*g.nr])
				}
			})
			g.multiplyBlock(threads, transA, m, nb, kb, pc, alpha, a, lda, bp, blockBeta, c[jc:], ldc)
		}
	}
}

// multiplyBlock computes C[:, 0:nb] = alpha·op(A)[:, pc:pc+kb]·B̃ + beta·C for
// one packed kb×nb block B̃ of op(B). Work items are (row chunk, column group)
// pairs, taken by the workers from a shared counter so uneven chunks balance.
func (g *packedGemm) multiplyBlock(threads int, transA bool, m, nb, kb, pc int, alpha float32, a []float32, lda int, bp []float32, beta float32, c []float32, ldc int) {
	// Aim for a number of row chunks that the workers share evenly.
	rowChunks := roundUp(ceilDiv(m, g.mc), threads)
	mc := roundUp(ceilDiv(m, rowChunks), g.mr)
	rowChunks = ceilDiv(m, mc)

	// With fewer row chunks than workers (short, wide C), split columns too.
	panels := ceilDiv(nb, g.nr)
	colGroups := 1
	if rowChunks < threads {
		colGroups = min(ceilDiv(threads, rowChunks), panels)
	}
	items := rowChunks * colGroups

	var next atomic.Int64
	work := func() {
		aBuf := getBuffer(mc * kb)
		defer putBuffer(aBuf)
		packedRow := -1
		for {
			item := int(next.Add(1) - 1)
			if item >= items {
				return
			}
			r, group := item/colGroups, item%colGroups
			ic := r * mc
			mb := min(mc, m-ic)
			ap := (*aBuf)[:roundUp(mb, g.mr)*kb]
			if r != packedRow {
				g.packA(transA, a, lda, ic, mb, pc, kb, ap)
				packedRow = r
			}
			q0 := group * panels / colGroups
			q1 := (group + 1) * panels / colGroups
			j0 := q0 * g.nr
			j1 := min(q1*g.nr, nb)
			g.macroKernel(kb, ap, bp[q0*kb*g.nr:], mb, j1-j0, alpha, beta, c[ic*ldc+j0:], ldc)
		}
	}
	workers := min(threads, items)
	if workers <= 1 {
		work()
		return
	}
	var wg sync.WaitGroup
	for w := 1; w < workers; w++ {
		wg.Go(work)
	}
	work()
	wg.Wait()
}

// macroKernel multiplies a packed mb×kb block of A by a packed kb×nb block of
// B into C (top-left corner at c[0]), one mr×nr tile at a time. Tiles cut by
// the edge of C are computed into a stack buffer and copied.
func (g *packedGemm) macroKernel(kb int, ap, bp []float32, mb, nb int, alpha, beta float32, c []float32, ldc int) {
	mr, nr := g.mr, g.nr
	var tile [maxTile]float32
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
	if !transB {
		for p := 0; p < kb; p++ {
			row := dst[p*nr : (p+1)*nr]
			n := copy(row, b[(pc+p)*ldb+j0:(pc+p)*ldb+j0+cols])
			clear(row[n:])
		}
		return
	}
	for jj := 0; jj < nr; jj++ {
		if jj >= cols {
			for p := 0; p < kb; p++ {
				dst[p*nr+jj] = 0
			}
			continue
		}
		src := b[(j0+jj)*ldb+pc : (j0+jj)*ldb+pc+kb]
		for p, v := range src {
			dst[p*nr+jj] = v
		}
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
		if transA {
			i0 := ic + r*mr
			for p := 0; p < kb; p++ {
				step := panel[p*mr : (p+1)*mr]
				n := copy(step, a[(pc+p)*lda+i0:(pc+p)*lda+i0+rows])
				clear(step[n:])
			}
			continue
		}
		for ii := 0; ii < mr; ii++ {
			if ii >= rows {
				for p := 0; p < kb; p++ {
					panel[p*mr+ii] = 0
				}
				continue
			}
			i := ic + r*mr + ii
			src := a[i*lda+pc : i*lda+pc+kb]
			for p, v := range src {
				panel[p*mr+ii] = v
			}
		}
	}
}

var bufferPool sync.Pool

// getBuffer returns a pooled slice of at least n elements; its contents are
// unspecified.
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
