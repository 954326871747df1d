//go:build !noasm

#include "textflag.h"

// Y0..Y11 accumulate the 6×16 tile, two registers per row. Y12 and Y13 hold
// the current step of the B micro-panel, Y14 the broadcast A value.

// FMA_ROW adds a[off]·(Y12, Y13) to one row's accumulators.
#define FMA_ROW(off, acc0, acc1) \
	VBROADCASTSS off(AX), Y14 \
	VFMADD231PS  Y12, Y14, acc0 \
	VFMADD231PS  Y13, Y14, acc1

// STORE_ROW writes alpha·acc to one row of C (Y12 = alpha) and advances DI.
#define STORE_ROW(acc0, acc1) \
	VMULPS  Y12, acc0, acc0 \
	VMULPS  Y12, acc1, acc1 \
	VMOVUPS acc0, (DI) \
	VMOVUPS acc1, 32(DI) \
	ADDQ    DX, DI

// STORE_ROW_BETA writes alpha·acc + beta·C to one row of C (Y12 = alpha,
// Y13 = beta) and advances DI.
#define STORE_ROW_BETA(acc0, acc1) \
	VMULPS      Y12, acc0, acc0 \
	VMULPS      Y12, acc1, acc1 \
	VFMADD231PS (DI), Y13, acc0 \
	VFMADD231PS 32(DI), Y13, acc1 \
	VMOVUPS     acc0, (DI) \
	VMOVUPS     acc1, 32(DI) \
	ADDQ        DX, DI

// func sgemmKernel6x16AVX2(k int, a, b, c *float32, ldc int, alpha, beta float32)
TEXT ·sgemmKernel6x16AVX2(SB), NOSPLIT, $0-48
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), AX
	MOVQ b+16(FP), BX
	MOVQ c+24(FP), DI
	MOVQ ldc+32(FP), DX
	SHLQ $2, DX

	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11

	// Prefetch the C tile, so its cache misses overlap the k loop
	// instead of stalling the stores.
	MOVQ DI, R9
	PREFETCHT0 (R9)
	PREFETCHT0 32(R9)
	ADDQ DX, R9
	PREFETCHT0 (R9)
	PREFETCHT0 32(R9)
	ADDQ DX, R9
	PREFETCHT0 (R9)
	PREFETCHT0 32(R9)
	ADDQ DX, R9
	PREFETCHT0 (R9)
	PREFETCHT0 32(R9)
	ADDQ DX, R9
	PREFETCHT0 (R9)
	PREFETCHT0 32(R9)
	ADDQ DX, R9
	PREFETCHT0 (R9)
	PREFETCHT0 32(R9)

	TESTQ CX, CX
	JLE   store

loop:
	VMOVUPS (BX), Y12
	VMOVUPS 32(BX), Y13
	FMA_ROW(0, Y0, Y1)
	FMA_ROW(4, Y2, Y3)
	FMA_ROW(8, Y4, Y5)
	FMA_ROW(12, Y6, Y7)
	FMA_ROW(16, Y8, Y9)
	FMA_ROW(20, Y10, Y11)
	ADDQ $24, AX
	ADDQ $64, BX
	DECQ CX
	JNZ  loop

store:
	VBROADCASTSS alpha+40(FP), Y12
	VBROADCASTSS beta+44(FP), Y13

	// beta == 0, either sign: C is not read.
	MOVL  beta+44(FP), R8
	TESTL $0x7fffffff, R8
	JNZ   storebeta

	STORE_ROW(Y0, Y1)
	STORE_ROW(Y2, Y3)
	STORE_ROW(Y4, Y5)
	STORE_ROW(Y6, Y7)
	STORE_ROW(Y8, Y9)
	STORE_ROW(Y10, Y11)
	VZEROUPPER
	RET

storebeta:
	STORE_ROW_BETA(Y0, Y1)
	STORE_ROW_BETA(Y2, Y3)
	STORE_ROW_BETA(Y4, Y5)
	STORE_ROW_BETA(Y6, Y7)
	STORE_ROW_BETA(Y8, Y9)
	STORE_ROW_BETA(Y10, Y11)
	VZEROUPPER
	RET
