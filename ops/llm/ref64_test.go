package llm

import (
	"encoding/binary"
	"math"
	"os"
	"testing"
)

// refModel is an independent float64 implementation of the decoder, written
// position by position without the runtime's kernels, used to check the
// float32 forward and backward passes.
type refModel struct {
	d, hd, vocab int
	group        int
	eps, theta   float64
	// interleaved pairs rotary elements (2i, 2i+1) as llama2.c does;
	// otherwise (i, i + hd/2) as Hugging Face does.
	interleaved bool
	embed, head []float64
	final       []float64
	layers      []refLayer
}

type refLayer struct {
	attnNorm, mlpNorm  []float64
	wq, wk, wv, wo     []float64
	bq, bk, bv         []float64
	bo, bdown          []float64
	w1, w2, w3         []float64
	heads, kvh, hidden int
}

func f64(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}

// refFromModel copies m's weights into a float64 reference.
func refFromModel(m *Model) *refModel {
	c := &m.Config
	r := &refModel{d: c.Dim, hd: c.HeadDim, vocab: c.VocabSize, group: c.GroupSize(), eps: c.NormEps, theta: c.RopeTheta,
		embed: f64(m.Embed.Data()), head: f64(m.Head.Data()), final: f64(m.FinalNorm.Data())}
	if m.Head == m.Embed {
		r.head = r.embed
	}
	for l := range m.Layers {
		lw := &m.Layers[l]
		rl := refLayer{attnNorm: f64(lw.AttnNorm.Data()), mlpNorm: f64(lw.MLPNorm.Data()),
			wq: f64(lw.WQ.Data()), wk: f64(lw.WK.Data()), wv: f64(lw.WV.Data()), wo: f64(lw.WO.Data()),
			w1: f64(lw.WGate.Data()), w2: f64(lw.WDown.Data()), w3: f64(lw.WUp.Data()),
			heads: lw.WQ.Dim(0) / c.HeadDim, kvh: lw.WK.Dim(0) / c.HeadDim, hidden: lw.WGate.Dim(0)}
		if lw.BQ != nil {
			rl.bq, rl.bk, rl.bv = f64(lw.BQ.Data()), f64(lw.BK.Data()), f64(lw.BV.Data())
		}
		if lw.BO != nil {
			rl.bo = f64(lw.BO.Data())
		}
		if lw.BDown != nil {
			rl.bdown = f64(lw.BDown.Data())
		}
		r.layers = append(r.layers, rl)
	}
	return r
}

// refFromLlama2C parses a llama2.c checkpoint directly, keeping its
// interleaved rotary layout.
func refFromLlama2C(t testing.TB, path string) *refModel {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	hdr := make([]int, 7)
	for i := range hdr {
		hdr[i] = int(int32(binary.LittleEndian.Uint32(data[4*i:])))
	}
	d, hidden, L, H, KV, V, seq := hdr[0], hdr[1], hdr[2], hdr[3], hdr[4], hdr[5], hdr[6]
	shared := V > 0
	if V < 0 {
		V = -V
	}
	hd := d / H
	kv := hd * KV
	off := 28
	next := func(n int) []float64 {
		out := make([]float64, n)
		for i := range out {
			out[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(data[off+4*i:])))
		}
		off += 4 * n
		return out
	}
	r := &refModel{d: d, hd: hd, vocab: V, group: H / KV, eps: 1e-5, theta: 10000, interleaved: true}
	r.embed = next(V * d)
	attnNorm := next(L * d)
	wq, wk, wv, wo := next(L*d*d), next(L*kv*d), next(L*kv*d), next(L*d*d)
	mlpNorm := next(L * d)
	w1, w2, w3 := next(L*hidden*d), next(L*d*hidden), next(L*hidden*d)
	r.final = next(d)
	next(seq * hd)
	r.head = r.embed
	if !shared {
		r.head = next(V * d)
	}
	for l := 0; l < L; l++ {
		r.layers = append(r.layers, refLayer{
			attnNorm: attnNorm[l*d : (l+1)*d], mlpNorm: mlpNorm[l*d : (l+1)*d],
			wq: wq[l*d*d : (l+1)*d*d], wk: wk[l*kv*d : (l+1)*kv*d], wv: wv[l*kv*d : (l+1)*kv*d], wo: wo[l*d*d : (l+1)*d*d],
			w1: w1[l*hidden*d : (l+1)*hidden*d], w2: w2[l*d*hidden : (l+1)*d*hidden], w3: w3[l*hidden*d : (l+1)*hidden*d],
			heads: H, kvh: KV, hidden: hidden})
	}
	return r
}

func matvec(w []float64, rows, cols int, x []float64, b []float64) []float64 {
	y := make([]float64, rows)
	for i := 0; i < rows; i++ {
		var s float64
		for j := 0; j < cols; j++ {
			s += w[i*cols+j] * x[j]
		}
		if b != nil {
			s += b[i]
		}
		y[i] = s
	}
	return y
}

func (r *refModel) norm(x, w []float64) []float64 {
	var ss float64
	for _, v := range x {
		ss += v * v
	}
	s := 1 / math.Sqrt(ss/float64(len(x))+r.eps)
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = v * s * w[i]
	}
	return out
}

func (r *refModel) rope(x []float64, heads, pos int) {
	hd := r.hd
	for h := 0; h < heads; h++ {
		v := x[h*hd : (h+1)*hd]
		for j := 0; j < hd/2; j++ {
			a := float64(pos) * math.Pow(r.theta, -float64(2*j)/float64(hd))
			c, s := math.Cos(a), math.Sin(a)
			i0, i1 := j, j+hd/2
			if r.interleaved {
				i0, i1 = 2*j, 2*j+1
			}
			x0, x1 := v[i0], v[i1]
			v[i0] = x0*c - x1*s
			v[i1] = x0*s + x1*c
		}
	}
}

// logits returns [T][vocab] for one causal sequence.
func (r *refModel) logits(ids []int) [][]float64 {
	d, hd := r.d, r.hd
	T := len(ids)
	xs := make([][]float64, T)
	for t, id := range ids {
		xs[t] = append([]float64(nil), r.embed[id*d:(id+1)*d]...)
	}
	for _, L := range r.layers {
		qs, ks, vs := make([][]float64, T), make([][]float64, T), make([][]float64, T)
		for t := range xs {
			xn := r.norm(xs[t], L.attnNorm)
			qs[t] = matvec(L.wq, L.heads*hd, d, xn, L.bq)
			ks[t] = matvec(L.wk, L.kvh*hd, d, xn, L.bk)
			vs[t] = matvec(L.wv, L.kvh*hd, d, xn, L.bv)
			r.rope(qs[t], L.heads, t)
			r.rope(ks[t], L.kvh, t)
		}
		for t := range xs {
			att := make([]float64, L.heads*hd)
			for h := 0; h < L.heads; h++ {
				kh := h / r.group
				sc := make([]float64, t+1)
				mx := math.Inf(-1)
				for u := 0; u <= t; u++ {
					var s float64
					for j := 0; j < hd; j++ {
						s += qs[t][h*hd+j] * ks[u][kh*hd+j]
					}
					sc[u] = s / math.Sqrt(float64(hd))
					mx = math.Max(mx, sc[u])
				}
				var z float64
				for u := range sc {
					sc[u] = math.Exp(sc[u] - mx)
					z += sc[u]
				}
				for u := range sc {
					for j := 0; j < hd; j++ {
						att[h*hd+j] += sc[u] / z * vs[u][kh*hd+j]
					}
				}
			}
			o := matvec(L.wo, d, L.heads*hd, att, L.bo)
			for i := range o {
				xs[t][i] += o[i]
			}
			xn := r.norm(xs[t], L.mlpNorm)
			g := matvec(L.w1, L.hidden, d, xn, nil)
			u := matvec(L.w3, L.hidden, d, xn, nil)
			for i := range g {
				g[i] = g[i] / (1 + math.Exp(-g[i])) * u[i]
			}
			dn := matvec(L.w2, d, L.hidden, g, L.bdown)
			for i := range dn {
				xs[t][i] += dn[i]
			}
		}
	}
	out := make([][]float64, T)
	for t := range xs {
		out[t] = matvec(r.head, r.vocab, d, r.norm(xs[t], r.final), nil)
	}
	return out
}

// meanNLL returns the mean next-token NLL in nats of one sequence.
func (r *refModel) meanNLL(ids []int) float64 {
	lg := r.logits(ids)
	var sum float64
	for t := 0; t+1 < len(ids); t++ {
		mx := math.Inf(-1)
		for _, v := range lg[t] {
			mx = math.Max(mx, v)
		}
		var z float64
		for _, v := range lg[t] {
			z += math.Exp(v - mx)
		}
		sum += mx + math.Log(z) - lg[t][ids[t+1]]
	}
	return sum / float64(len(ids)-1)
}
