package kernels

// microKernelGo returns the pure-Go micro-kernel for an mr×nr tile. It is the
// twin that the assembly kernels are tested against, and it serves any tile
// shape with mr·nr <= maxTile.
func microKernelGo(mr, nr int) microKernel {
	return func(k int, a, b, c []float32, ldc int, alpha, beta float32) {
		var acc [maxTile]float32
		for p := 0; p < k; p++ {
			as := a[p*mr : (p+1)*mr]
			bs := b[p*nr : (p+1)*nr]
			for i, av := range as {
				row := acc[i*nr : (i+1)*nr]
				for j, bv := range bs {
					row[j] += av * bv
				}
			}
		}
		storeTile(mr, nr, acc[:mr*nr], c, ldc, alpha, beta)
	}
}

// storeTile writes C = alpha·acc + beta·C for one mr×nr tile, without reading
// C when beta is 0.
func storeTile(mr, nr int, acc, c []float32, ldc int, alpha, beta float32) {
	for i := 0; i < mr; i++ {
		dst := c[i*ldc : i*ldc+nr]
		src := acc[i*nr : (i+1)*nr]
		if beta == 0 {
			for j := range dst {
				dst[j] = alpha * src[j]
			}
			continue
		}
		for j := range dst {
			dst[j] = alpha*src[j] + beta*dst[j]
		}
	}
}

// microKernel4x4Go is the pure-Go backend's kernel: a 4×4 tile held in
// sixteen scalar accumulators, which the Go compiler keeps mostly in
// registers.
func microKernel4x4Go(k int, a, b, c []float32, ldc int, alpha, beta float32) {
	var c00, c01, c02, c03 float32
	var c10, c11, c12, c13 float32
	var c20, c21, c22, c23 float32
	var c30, c31, c32, c33 float32
	a = a[:4*k]
	b = b[:4*k]
	for p := 0; p < k; p++ {
		as := a[4*p : 4*p+4 : 4*p+4]
		bs := b[4*p : 4*p+4 : 4*p+4]
		b0, b1, b2, b3 := bs[0], bs[1], bs[2], bs[3]
		a0 := as[0]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		a1 := as[1]
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		a2 := as[2]
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		a3 := as[3]
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
	}
	acc := [16]float32{
		c00, c01, c02, c03,
		c10, c11, c12, c13,
		c20, c21, c22, c23,
		c30, c31, c32, c33,
	}
	storeTile(4, 4, acc[:], c, ldc, alpha, beta)
}
