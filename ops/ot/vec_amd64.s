//go:build !noasm

#include "textflag.h"

// func dotAVX2(x, y *float64, n int) float64
//
// Returns Σ_{k<n} x[k]·y[k] with four 4-wide FMA accumulators; n must be a
// multiple of 16.
TEXT ·dotAVX2(SB), NOSPLIT, $0-32
	MOVQ   x+0(FP), SI
	MOVQ   y+8(FP), DI
	MOVQ   n+16(FP), CX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	XORQ   AX, AX

dotloop:
	CMPQ        AX, CX
	JGE         dotdone
	VMOVUPD     (SI)(AX*8), Y4
	VMOVUPD     32(SI)(AX*8), Y5
	VMOVUPD     64(SI)(AX*8), Y6
	VMOVUPD     96(SI)(AX*8), Y7
	VFMADD231PD (DI)(AX*8), Y4, Y0
	VFMADD231PD 32(DI)(AX*8), Y5, Y1
	VFMADD231PD 64(DI)(AX*8), Y6, Y2
	VFMADD231PD 96(DI)(AX*8), Y7, Y3
	ADDQ        $16, AX
	JMP         dotloop

dotdone:
	VADDPD       Y1, Y0, Y0
	VADDPD       Y3, Y2, Y2
	VADDPD       Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPD       X1, X0, X0
	VHADDPD      X0, X0, X0
	VMOVSD       X0, ret+24(FP)
	VZEROUPPER
	RET

// func axpyAVX2(alpha float64, x, y *float64, n int)
//
// Adds alpha·x[k] to y[k] for k < n; n must be a multiple of 16.
TEXT ·axpyAVX2(SB), NOSPLIT, $0-32
	VBROADCASTSD alpha+0(FP), Y0
	MOVQ         x+8(FP), SI
	MOVQ         y+16(FP), DI
	MOVQ         n+24(FP), CX
	XORQ         AX, AX

axpyloop:
	CMPQ        AX, CX
	JGE         axpydone
	VMOVUPD     (DI)(AX*8), Y1
	VMOVUPD     32(DI)(AX*8), Y2
	VMOVUPD     64(DI)(AX*8), Y3
	VMOVUPD     96(DI)(AX*8), Y4
	VFMADD231PD (SI)(AX*8), Y0, Y1
	VFMADD231PD 32(SI)(AX*8), Y0, Y2
	VFMADD231PD 64(SI)(AX*8), Y0, Y3
	VFMADD231PD 96(SI)(AX*8), Y0, Y4
	VMOVUPD     Y1, (DI)(AX*8)
	VMOVUPD     Y2, 32(DI)(AX*8)
	VMOVUPD     Y3, 64(DI)(AX*8)
	VMOVUPD     Y4, 96(DI)(AX*8)
	ADDQ        $16, AX
	JMP         axpyloop

axpydone:
	VZEROUPPER
	RET

// func dot4AVX2(k0, k1, k2, k3, v *float64, n int, out *[4]float64)
//
// Sets out[r] = Σ_{k<n} k_r[k]·v[k] for the four rows, loading each v
// vector once for all of them, with two 4-wide FMA accumulators per row; n
// must be a multiple of 8.
TEXT ·dot4AVX2(SB), NOSPLIT, $0-56
	MOVQ   k0+0(FP), R8
	MOVQ   k1+8(FP), R9
	MOVQ   k2+16(FP), R10
	MOVQ   k3+24(FP), R11
	MOVQ   v+32(FP), SI
	MOVQ   n+40(FP), CX
	MOVQ   out+48(FP), DI
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	XORQ   AX, AX

dot4loop:
	CMPQ        AX, CX
	JGE         dot4done
	VMOVUPD     (SI)(AX*8), Y8
	VMOVUPD     32(SI)(AX*8), Y9
	VFMADD231PD (R8)(AX*8), Y8, Y0
	VFMADD231PD 32(R8)(AX*8), Y9, Y4
	VFMADD231PD (R9)(AX*8), Y8, Y1
	VFMADD231PD 32(R9)(AX*8), Y9, Y5
	VFMADD231PD (R10)(AX*8), Y8, Y2
	VFMADD231PD 32(R10)(AX*8), Y9, Y6
	VFMADD231PD (R11)(AX*8), Y8, Y3
	VFMADD231PD 32(R11)(AX*8), Y9, Y7
	ADDQ        $8, AX
	JMP         dot4loop

dot4done:
	VADDPD     Y4, Y0, Y0
	VADDPD     Y5, Y1, Y1
	VADDPD     Y6, Y2, Y2
	VADDPD     Y7, Y3, Y3
	VHADDPD    Y1, Y0, Y0       // [r0 lanes 0+1, r1 lanes 0+1, r0 lanes 2+3, r1 lanes 2+3]
	VHADDPD    Y3, Y2, Y2       // the same for rows 2 and 3
	VPERM2F128 $0x20, Y2, Y0, Y1
	VPERM2F128 $0x31, Y2, Y0, Y3
	VADDPD     Y3, Y1, Y1
	VMOVUPD    Y1, (DI)
	VZEROUPPER
	RET

// func axpy4AVX2(u *[4]float64, k0, k1, k2, k3, acc *float64, n int)
//
// Adds u[0]·k0[k] + u[1]·k1[k] + u[2]·k2[k] + u[3]·k3[k] to acc[k] for
// k < n, in that order (so the result equals four axpy calls), reading and
// writing acc once; n must be a multiple of 8.
TEXT ·axpy4AVX2(SB), NOSPLIT, $0-56
	MOVQ         u+0(FP), AX
	VBROADCASTSD (AX), Y0
	VBROADCASTSD 8(AX), Y1
	VBROADCASTSD 16(AX), Y2
	VBROADCASTSD 24(AX), Y3
	MOVQ         k0+8(FP), R8
	MOVQ         k1+16(FP), R9
	MOVQ         k2+24(FP), R10
	MOVQ         k3+32(FP), R11
	MOVQ         acc+40(FP), DI
	MOVQ         n+48(FP), CX
	XORQ         AX, AX

axpy4loop:
	CMPQ        AX, CX
	JGE         axpy4done
	VMOVUPD     (DI)(AX*8), Y4
	VMOVUPD     32(DI)(AX*8), Y5
	VFMADD231PD (R8)(AX*8), Y0, Y4
	VFMADD231PD 32(R8)(AX*8), Y0, Y5
	VFMADD231PD (R9)(AX*8), Y1, Y4
	VFMADD231PD 32(R9)(AX*8), Y1, Y5
	VFMADD231PD (R10)(AX*8), Y2, Y4
	VFMADD231PD 32(R10)(AX*8), Y2, Y5
	VFMADD231PD (R11)(AX*8), Y3, Y4
	VFMADD231PD 32(R11)(AX*8), Y3, Y5
	VMOVUPD     Y4, (DI)(AX*8)
	VMOVUPD     Y5, 32(DI)(AX*8)
	ADDQ        $8, AX
	JMP         axpy4loop

axpy4done:
	VZEROUPPER
	RET
