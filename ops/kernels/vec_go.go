package kernels

// Pure-Go twins of the vector routines. The exported functions use them on
// CPUs without AVX2 and FMA, in noasm builds, and for the tails that the
// assembly leaves. Tests compare the assembly with them.

func addGo(dst, x, y []float32) {
	x, y = x[:len(dst)], y[:len(dst)]
	for i := range dst {
		dst[i] = x[i] + y[i]
	}
}

func subGo(dst, x, y []float32) {
	x, y = x[:len(dst)], y[:len(dst)]
	for i := range dst {
		dst[i] = x[i] - y[i]
	}
}

func mulGo(dst, x, y []float32) {
	x, y = x[:len(dst)], y[:len(dst)]
	for i := range dst {
		dst[i] = x[i] * y[i]
	}
}

func divGo(dst, x, y []float32) {
	x, y = x[:len(dst)], y[:len(dst)]
	for i := range dst {
		dst[i] = x[i] / y[i]
	}
}

func scaleGo(dst []float32, alpha float32, x []float32) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] = alpha * x[i]
	}
}

func axpyGo(alpha float32, x, y []float32) {
	x = x[:len(y)]
	for i := range y {
		y[i] += alpha * x[i]
	}
}

func dotGo(x, y []float32) float32 {
	y = y[:len(x)]
	var sum float32
	for i, v := range x {
		sum += v * y[i]
	}
	return sum
}

func sumGo(x []float32) float32 {
	var sum float32
	for _, v := range x {
		sum += v
	}
	return sum
}

// maxGo returns the largest element, NaN if any element is NaN, and -Inf for
// an empty slice.
func maxGo(x []float32) float32 {
	m := negInf
	for _, v := range x {
		if v != v {
			return v
		}
		if v > m {
			m = v
		}
	}
	return m
}

// minGo returns the smallest element, NaN if any element is NaN, and +Inf for
// an empty slice.
func minGo(x []float32) float32 {
	m := posInf
	for _, v := range x {
		if v != v {
			return v
		}
		if v < m {
			m = v
		}
	}
	return m
}
