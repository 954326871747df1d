//go:build !noasm

#include "textflag.h"

// Binary operations: DI = dst, SI = x, DX = y, CX = elements left.
// Four 8-float vectors per iteration, then one vector at a time.

// BINARY defines dst[i] = x[i] OP y[i] with STORE as the store instruction
// (VMOVUPS, or VMOVNTPS for the streaming forms).
#define BINARY(NAME, OP, STORE, FENCE, PREFETCH) \
TEXT NAME(SB), NOSPLIT, $0-72 \
	MOVQ dst_base+0(FP), DI \
	MOVQ dst_len+8(FP), CX \
	MOVQ x_base+24(FP), SI \
	MOVQ y_base+48(FP), DX \
loop32: \
	CMPQ CX, $32 \
	JLT  loop8 \
	PREFETCH \
	VMOVUPS (SI), Y0 \
	VMOVUPS 32(SI), Y1 \
	VMOVUPS 64(SI), Y2 \
	VMOVUPS 96(SI), Y3 \
	OP      (DX), Y0, Y0 \
	OP      32(DX), Y1, Y1 \
	OP      64(DX), Y2, Y2 \
	OP      96(DX), Y3, Y3 \
	STORE   Y0, (DI) \
	STORE   Y1, 32(DI) \
	STORE   Y2, 64(DI) \
	STORE   Y3, 96(DI) \
	ADDQ    $128, SI \
	ADDQ    $128, DX \
	ADDQ    $128, DI \
	SUBQ    $32, CX \
	JMP     loop32 \
loop8: \
	CMPQ CX, $8 \
	JLT  done \
	VMOVUPS (SI), Y0 \
	OP      (DX), Y0, Y0 \
	STORE   Y0, (DI) \
	ADDQ    $32, SI \
	ADDQ    $32, DX \
	ADDQ    $32, DI \
	SUBQ    $8, CX \
	JMP     loop8 \
done: \
	FENCE \
	VZEROUPPER \
	RET

#define NOFENCE
#define NOPREFETCH

// PREFETCH_XY requests the lines 1 KiB ahead in both sources; with the
// destination bypassing the cache, this keeps more reads in flight than the
// hardware prefetcher alone.
#define PREFETCH_XY \
	PREFETCHNTA 1024(SI) \
	PREFETCHNTA 1088(SI) \
	PREFETCHNTA 1024(DX) \
	PREFETCHNTA 1088(DX)

BINARY(·addAVX2, VADDPS, VMOVUPS, NOFENCE, NOPREFETCH)
BINARY(·addStreamAVX2, VADDPS, VMOVNTPS, SFENCE, PREFETCH_XY)
BINARY(·subAVX2, VSUBPS, VMOVUPS, NOFENCE, NOPREFETCH)
BINARY(·subStreamAVX2, VSUBPS, VMOVNTPS, SFENCE, PREFETCH_XY)
BINARY(·mulAVX2, VMULPS, VMOVUPS, NOFENCE, NOPREFETCH)
BINARY(·mulStreamAVX2, VMULPS, VMOVNTPS, SFENCE, PREFETCH_XY)
BINARY(·divAVX2, VDIVPS, VMOVUPS, NOFENCE, NOPREFETCH)
BINARY(·divStreamAVX2, VDIVPS, VMOVNTPS, SFENCE, PREFETCH_XY)

// SCALE defines dst[i] = alpha·x[i]: DI = dst, SI = x, Y8 = alpha.
#define SCALE(NAME, STORE, FENCE) \
TEXT NAME(SB), NOSPLIT, $0-56 \
	MOVQ         dst_base+0(FP), DI \
	MOVQ         dst_len+8(FP), CX \
	VBROADCASTSS alpha+24(FP), Y8 \
	MOVQ         x_base+32(FP), SI \
loop32: \
	CMPQ CX, $32 \
	JLT  loop8 \
	VMULPS (SI), Y8, Y0 \
	VMULPS 32(SI), Y8, Y1 \
	VMULPS 64(SI), Y8, Y2 \
	VMULPS 96(SI), Y8, Y3 \
	STORE  Y0, (DI) \
	STORE  Y1, 32(DI) \
	STORE  Y2, 64(DI) \
	STORE  Y3, 96(DI) \
	ADDQ   $128, SI \
	ADDQ   $128, DI \
	SUBQ   $32, CX \
	JMP    loop32 \
loop8: \
	CMPQ CX, $8 \
	JLT  done \
	VMULPS (SI), Y8, Y0 \
	STORE  Y0, (DI) \
	ADDQ   $32, SI \
	ADDQ   $32, DI \
	SUBQ   $8, CX \
	JMP    loop8 \
done: \
	FENCE \
	VZEROUPPER \
	RET

SCALE(·scaleAVX2, VMOVUPS, NOFENCE)
SCALE(·scaleStreamAVX2, VMOVNTPS, SFENCE)

// func axpyAVX2(alpha float32, x, y []float32)
// Y8 = alpha, SI = x, DI = y.
TEXT ·axpyAVX2(SB), NOSPLIT, $0-56
	VBROADCASTSS alpha+0(FP), Y8
	MOVQ         x_base+8(FP), SI
	MOVQ         y_base+32(FP), DI
	MOVQ         y_len+40(FP), CX

axpy32:
	CMPQ        CX, $32
	JLT         axpy8
	VMOVUPS     (DI), Y0
	VMOVUPS     32(DI), Y1
	VMOVUPS     64(DI), Y2
	VMOVUPS     96(DI), Y3
	VFMADD231PS (SI), Y8, Y0
	VFMADD231PS 32(SI), Y8, Y1
	VFMADD231PS 64(SI), Y8, Y2
	VFMADD231PS 96(SI), Y8, Y3
	VMOVUPS     Y0, (DI)
	VMOVUPS     Y1, 32(DI)
	VMOVUPS     Y2, 64(DI)
	VMOVUPS     Y3, 96(DI)
	ADDQ        $128, SI
	ADDQ        $128, DI
	SUBQ        $32, CX
	JMP         axpy32

axpy8:
	CMPQ        CX, $8
	JLT         axpydone
	VMOVUPS     (DI), Y0
	VFMADD231PS (SI), Y8, Y0
	VMOVUPS     Y0, (DI)
	ADDQ        $32, SI
	ADDQ        $32, DI
	SUBQ        $8, CX
	JMP         axpy8

axpydone:
	VZEROUPPER
	RET

// HSUM_Y0 adds the eight lanes of Y0 into the low lane of X0, using X1.
#define HSUM_Y0 \
	VEXTRACTF128 $1, Y0, X1 \
	VADDPS       X1, X0, X0 \
	VPERMILPS    $0x4e, X0, X1 \
	VADDPS       X1, X0, X0 \
	VPERMILPS    $0xb1, X0, X1 \
	VADDPS       X1, X0, X0

// func dotAVX2(x, y []float32) float32
// Y0..Y3 accumulate; SI = x, DX = y.
TEXT ·dotAVX2(SB), NOSPLIT, $0-52
	MOVQ   x_base+0(FP), SI
	MOVQ   x_len+8(FP), CX
	MOVQ   y_base+24(FP), DX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3

dot32:
	CMPQ        CX, $32
	JLT         dot8
	VMOVUPS     (SI), Y4
	VMOVUPS     32(SI), Y5
	VMOVUPS     64(SI), Y6
	VMOVUPS     96(SI), Y7
	VFMADD231PS (DX), Y4, Y0
	VFMADD231PS 32(DX), Y5, Y1
	VFMADD231PS 64(DX), Y6, Y2
	VFMADD231PS 96(DX), Y7, Y3
	ADDQ        $128, SI
	ADDQ        $128, DX
	SUBQ        $32, CX
	JMP         dot32

dot8:
	CMPQ        CX, $8
	JLT         dotdone
	VMOVUPS     (SI), Y4
	VFMADD231PS (DX), Y4, Y0
	ADDQ        $32, SI
	ADDQ        $32, DX
	SUBQ        $8, CX
	JMP         dot8

dotdone:
	VADDPS Y1, Y0, Y0
	VADDPS Y3, Y2, Y2
	VADDPS Y2, Y0, Y0
	HSUM_Y0
	VMOVSS X0, ret+48(FP)
	VZEROUPPER
	RET

// func sumAVX2(x []float32) float32
TEXT ·sumAVX2(SB), NOSPLIT, $0-28
	MOVQ   x_base+0(FP), SI
	MOVQ   x_len+8(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3

sum32:
	CMPQ   CX, $32
	JLT    sum8
	VADDPS (SI), Y0, Y0
	VADDPS 32(SI), Y1, Y1
	VADDPS 64(SI), Y2, Y2
	VADDPS 96(SI), Y3, Y3
	ADDQ   $128, SI
	SUBQ   $32, CX
	JMP    sum32

sum8:
	CMPQ   CX, $8
	JLT    sumdone
	VADDPS (SI), Y0, Y0
	ADDQ   $32, SI
	SUBQ   $8, CX
	JMP    sum8

sumdone:
	VADDPS Y1, Y0, Y0
	VADDPS Y3, Y2, Y2
	VADDPS Y2, Y0, Y0
	HSUM_Y0
	VMOVSS X0, ret+24(FP)
	VZEROUPPER
	RET

// EXTREME defines max or min (OP = VMAXPS or VMINPS) of a positive multiple
// of 8 elements. Y0..Y3 hold running extremes and Y4 collects an unordered
// (NaN) mask, because VMAXPS and VMINPS do not propagate NaN from both
// operands.
#define EXTREME(NAME, OP) \
TEXT NAME(SB), NOSPLIT, $0-28 \
	MOVQ    x_base+0(FP), SI \
	MOVQ    x_len+8(FP), CX \
	VMOVUPS (SI), Y0 \
	VMOVAPS Y0, Y1 \
	VMOVAPS Y0, Y2 \
	VMOVAPS Y0, Y3 \
	VXORPS  Y4, Y4, Y4 \
loop32: \
	CMPQ    CX, $32 \
	JLT     loop8 \
	VMOVUPS (SI), Y5 \
	VMOVUPS 32(SI), Y6 \
	VMOVUPS 64(SI), Y7 \
	VMOVUPS 96(SI), Y8 \
	OP      Y5, Y0, Y0 \
	OP      Y6, Y1, Y1 \
	OP      Y7, Y2, Y2 \
	OP      Y8, Y3, Y3 \
	VCMPPS  $3, Y5, Y5, Y9 \
	VCMPPS  $3, Y6, Y6, Y10 \
	VCMPPS  $3, Y7, Y7, Y11 \
	VCMPPS  $3, Y8, Y8, Y12 \
	VORPS   Y9, Y4, Y4 \
	VORPS   Y10, Y4, Y4 \
	VORPS   Y11, Y4, Y4 \
	VORPS   Y12, Y4, Y4 \
	ADDQ    $128, SI \
	SUBQ    $32, CX \
	JMP     loop32 \
loop8: \
	CMPQ    CX, $8 \
	JLT     reduce \
	VMOVUPS (SI), Y5 \
	OP      Y5, Y0, Y0 \
	VCMPPS  $3, Y5, Y5, Y9 \
	VORPS   Y9, Y4, Y4 \
	ADDQ    $32, SI \
	SUBQ    $8, CX \
	JMP     loop8 \
reduce: \
	VMOVMSKPS Y4, AX \
	TESTL     AX, AX \
	JNZ       nan \
	OP           Y1, Y0, Y0 \
	OP           Y3, Y2, Y2 \
	OP           Y2, Y0, Y0 \
	VEXTRACTF128 $1, Y0, X1 \
	OP           X1, X0, X0 \
	VPERMILPS    $0x4e, X0, X1 \
	OP           X1, X0, X0 \
	VPERMILPS    $0xb1, X0, X1 \
	OP           X1, X0, X0 \
	VMOVSS       X0, ret+24(FP) \
	VZEROUPPER \
	RET \
nan: \
	MOVL $0x7fc00000, ret+24(FP) \
	VZEROUPPER \
	RET

EXTREME(·maxAVX2, VMAXPS)
EXTREME(·minAVX2, VMINPS)
