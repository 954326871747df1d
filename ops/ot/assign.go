package ot

import (
	"context"
	"fmt"
	"math"
)

// Assignment is the solution of a linear assignment problem: row RowInd[k]
// is matched to column ColInd[k]. RowInd is sorted, as in
// scipy.optimize.linear_sum_assignment, and has min(n, m) entries.
type Assignment struct {
	RowInd, ColInd []int
	// Cost is Σ_k cost[RowInd[k], ColInd[k]] in the input's units (the
	// maximum when maximizing).
	Cost float64
	// U and V are dual potentials of the minimization solved internally (the
	// negated costs when maximizing): U[i] + V[j] <= cost'[i,j] for every
	// pair, with equality on matched pairs, and a potential <= 0 for every
	// row or column left unmatched in a rectangular problem.
	U, V []float64
}

// LinearAssignment returns a matching of the rows and columns of the n×m
// cost matrix that minimizes (or, with maximize, maximizes) the summed cost,
// matching min(n, m) pairs. It matches scipy.optimize.linear_sum_assignment.
//
// Square problems run the Jonker–Volgenant algorithm: column reduction,
// reduction transfer and two rounds of augmenting row reduction assign most
// rows cheaply, then a Dijkstra shortest augmenting path assigns each row
// left free. Rectangular problems run the augmenting phase alone, starting
// from zero column potentials (the approach of Crouse 2016, the algorithm
// behind SciPy). Both are exact: the result is an optimum, not an
// approximation, in O(n³) time at worst. The costs are read in place; a
// copy of n·m float64s is made only to transpose (n > m) or to negate
// (maximize).
//
// Sources: R. Jonker and A. Volgenant, "A shortest augmenting path algorithm
// for dense and sparse linear assignment problems", Computing 38 (1987)
// 325–340, doi:10.1007/BF02278710; D. F. Crouse, "On implementing 2D
// rectangular assignment algorithms", IEEE Trans. Aerospace and Electronic
// Systems 52(4) (2016), doi:10.1109/TAES.2016.140952.
//
// Costs may be negative but must be finite.
func LinearAssignment(cost Matrix, maximize bool) (*Assignment, error) {
	return LinearAssignmentContext(context.Background(), cost, maximize)
}

// LinearAssignmentContext is LinearAssignment with cancellation: it checks
// ctx between phases and before each augmenting path (at most O(n·m) work
// apart) and returns ctx.Err() when it is done.
func LinearAssignmentContext(ctx context.Context, cost Matrix, maximize bool) (*Assignment, error) {
	if err := checkCosts("cost", cost, false); err != nil {
		return nil, err
	}
	return linearAssignment(ctx, cost, maximize)
}

// linearAssignment is LinearAssignmentContext without the check of the
// costs, for callers that have already checked them (EMD).
func linearAssignment(ctx context.Context, cost Matrix, maximize bool) (*Assignment, error) {
	n, m := cost.Rows, cost.Cols

	// The solver only minimizes with n <= m and never writes to its matrix,
	// so cost is used in place unless it must be transposed or negated
	// (each of which costs a copy of n·m float64s).
	transposed := n > m
	c := cost
	if transposed {
		c = cost.T()
	}
	if maximize {
		if !transposed {
			c = Matrix{Rows: n, Cols: m, Data: make([]float64, len(cost.Data))}
		}
		for k, x := range cost.Data {
			if transposed {
				c.Data[(k%m)*n+k/m] = -x
			} else {
				c.Data[k] = -x
			}
		}
	}

	s := newLAPSolver(c)
	if c.Rows == c.Cols {
		s.columnReduction()
		for pass := 0; pass < 2; pass++ {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			s.augmentingRowReduction()
		}
	} else {
		for i := 0; i < c.Rows; i++ {
			s.free = append(s.free, i)
		}
	}
	if err := s.augment(ctx); err != nil {
		return nil, err
	}
	return s.result(cost, transposed), nil
}

// lapSolver holds the state of a dense n×m (n <= m) minimization.
type lapSolver struct {
	c    Matrix
	n, m int
	x    []int     // x[i]: column assigned to row i, or -1
	y    []int     // y[j]: row assigned to column j, or -1
	v    []float64 // column potentials
	free []int     // rows still unassigned

	// scratch for augment
	d       []float64
	pred    []int64
	collist []int
}

func newLAPSolver(c Matrix) *lapSolver {
	s := &lapSolver{c: c, n: c.Rows, m: c.Cols,
		x: make([]int, c.Rows), y: make([]int, c.Cols), v: make([]float64, c.Cols),
		d: make([]float64, c.Cols), pred: make([]int64, c.Cols), collist: make([]int, 0, c.Cols)}
	for i := range s.x {
		s.x[i] = -1
	}
	for j := range s.y {
		s.y[j] = -1
	}
	return s
}

// columnReduction sets v[j] to the minimum of column j, assigns each column
// to its minimizing row when that row is still free, then transfers to each
// row matched exactly once the slack to its second-best column (the
// reduction transfer of Jonker and Volgenant). Reduced costs c − v stay
// non-negative and every assigned row's column is a minimum of its row.
func (s *lapSolver) columnReduction() {
	n, m := s.n, s.m
	argmin := make([]int, m)
	for j := range s.v {
		s.v[j] = math.Inf(1)
	}
	for i := 0; i < n; i++ {
		for j, cij := range s.c.Row(i) {
			if cij < s.v[j] {
				s.v[j] = cij
				argmin[j] = i
			}
		}
	}

	matches := make([]int, n)
	for j := m - 1; j >= 0; j-- {
		i := argmin[j]
		matches[i]++
		if matches[i] == 1 {
			s.x[i] = j
			s.y[j] = i
		}
	}

	for i := 0; i < n; i++ {
		switch matches[i] {
		case 0:
			s.free = append(s.free, i)
		case 1:
			j1 := s.x[i]
			mu := math.Inf(1)
			for j, cij := range s.c.Row(i) {
				if j != j1 && cij-s.v[j] < mu {
					mu = cij - s.v[j]
				}
			}
			if !math.IsInf(mu, 1) {
				s.v[j1] -= mu
			}
		}
	}
}

// augmentingRowReduction runs one pass of Jonker and Volgenant's augmenting
// row reduction: each free row takes its cheapest column (in reduced cost),
// lowering that column's potential to the row's second-best reduced cost,
// and evicts the column's previous row, which is processed again at once
// when the potential strictly dropped. The pass is capped at 2n steps:
// rounding can make the potential drops tiny, and on geometric costs long
// eviction chains cost more than the augmenting phase they save (measured
// on 1000×1000 squared distances of 2-D points). Rows still free afterwards
// go to the exact augmenting phase.
func (s *lapSolver) augmentingRowReduction() {
	queue := s.free
	s.free = make([]int, 0, len(queue))
	steps, maxSteps := 0, 2*s.n+8

	for k := 0; k < len(queue); {
		steps++
		if steps > maxSteps {
			s.free = append(s.free, queue[k:]...)
			return
		}
		i := queue[k]

		row := s.c.Row(i)
		umin, usub := row[0]-s.v[0], math.Inf(1)
		j1, j2 := 0, -1
		for j := 1; j < s.m; j++ {
			h := row[j] - s.v[j]
			if h < usub {
				if h >= umin {
					usub, j2 = h, j
				} else {
					usub, j2 = umin, j1
					umin, j1 = h, j
				}
			}
		}

		i0 := s.y[j1]
		strict := umin < usub
		if strict {
			s.v[j1] -= usub - umin
		} else if i0 >= 0 && j2 >= 0 {
			j1 = j2
			i0 = s.y[j2]
		}
		if i0 >= 0 {
			s.x[i0] = -1
		}
		s.x[i] = j1
		s.y[j1] = i

		switch {
		case i0 >= 0 && strict:
			// The evicted row takes this row's slot and is processed next.
			queue[k] = i0
		case i0 >= 0:
			s.free = append(s.free, i0)
			k++
		default:
			k++
		}
	}
}

// augment assigns every free row by a Dijkstra search for the shortest
// augmenting path in reduced costs (c[i,j] − v[j] − u[i], with u[i] implied
// by row i's assigned column), then lowers the potentials of the finished
// columns and flips the path. Each step relaxes all columns through one
// row with scanRow, a vectorized pass over the row, and finishes the
// closest column; the search ends at the first unassigned column finished.
func (s *lapSolver) augment(ctx context.Context) error {
	m := s.m
	dist, pred := s.d[:m], s.pred[:m]
	v, y := s.v[:m], s.y[:m]
	finished := s.collist[:0]
	saved := make([]float64, m) // v of finished columns, and their distance
	final := make([]float64, m)

	for _, f := range s.free {
		if err := ctx.Err(); err != nil {
			return err
		}
		for j := range dist {
			dist[j] = math.Inf(1)
		}
		finished = finished[:0]
		i, h := f, 0.0
		var dmin float64
		sink := -1
		for sink < 0 {
			var j int
			dmin, j = scanRow(s.c.Row(i), v, dist, pred, h, i)
			if j < 0 {
				return fmt.Errorf("cost: no finite augmenting path for row %d", f)
			}
			if y[j] < 0 {
				sink = j
				break
			}
			// Finish column j: keep its potential and distance aside and
			// mask it out of later scans.
			finished = append(finished, j)
			saved[j], final[j] = v[j], dmin
			v[j], dist[j] = math.Inf(-1), math.Inf(1)
			i = y[j]
			h = s.c.At(i, j) - saved[j] - dmin
		}

		for _, j := range finished {
			v[j] = saved[j] + final[j] - dmin
		}
		for j := sink; ; {
			i := int(pred[j])
			y[j] = i
			next := s.x[i]
			s.x[i] = j
			j = next
			if i == f {
				break
			}
		}
	}
	return nil
}

// result converts the solver state back to the caller's orientation.
func (s *lapSolver) result(cost Matrix, transposed bool) *Assignment {
	a := &Assignment{RowInd: make([]int, s.n), ColInd: make([]int, s.n),
		U: make([]float64, s.n), V: append([]float64(nil), s.v...)}
	for i := 0; i < s.n; i++ {
		j := s.x[i]
		a.U[i] = s.c.At(i, j) - s.v[j]
	}
	if !transposed {
		for i := 0; i < s.n; i++ {
			a.RowInd[i], a.ColInd[i] = i, s.x[i]
		}
	} else {
		// Rows of the solver are columns of the input; sort by input row.
		k := 0
		for j := 0; j < s.m; j++ {
			if i := s.y[j]; i >= 0 {
				a.RowInd[k], a.ColInd[k] = j, i
				k++
			}
		}
		a.U, a.V = a.V, a.U
	}
	for k := range a.RowInd {
		a.Cost += cost.At(a.RowInd[k], a.ColInd[k])
	}
	return a
}
