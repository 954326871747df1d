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

DATA expConst<>+0(SB)/8, $0x3ff71547652b82fe
DATA expConst<>+8(SB)/8, $0x3ff71547652b82fe
DATA expConst<>+16(SB)/8, $0x3ff71547652b82fe
DATA expConst<>+24(SB)/8, $0x3ff71547652b82fe
DATA expConst<>+32(SB)/8, $0x3fe62e42fee00000
DATA expConst<>+40(SB)/8, $0x3fe62e42fee00000
DATA expConst<>+48(SB)/8, $0x3fe62e42fee00000
DATA expConst<>+56(SB)/8, $0x3fe62e42fee00000
DATA expConst<>+64(SB)/8, $0x3dea39ef35793c76
DATA expConst<>+72(SB)/8, $0x3dea39ef35793c76
DATA expConst<>+80(SB)/8, $0x3dea39ef35793c76
DATA expConst<>+88(SB)/8, $0x3dea39ef35793c76
DATA expConst<>+96(SB)/8, $0xc086200000000000
DATA expConst<>+104(SB)/8, $0xc086200000000000
DATA expConst<>+112(SB)/8, $0xc086200000000000
DATA expConst<>+120(SB)/8, $0xc086200000000000
DATA expConst<>+128(SB)/8, $0x4086280000000000
DATA expConst<>+136(SB)/8, $0x4086280000000000
DATA expConst<>+144(SB)/8, $0x4086280000000000
DATA expConst<>+152(SB)/8, $0x4086280000000000
DATA expConst<>+160(SB)/8, $0x3ff0000000000000
DATA expConst<>+168(SB)/8, $0x3ff0000000000000
DATA expConst<>+176(SB)/8, $0x3ff0000000000000
DATA expConst<>+184(SB)/8, $0x3ff0000000000000
DATA expConst<>+192(SB)/8, $0x3ff0000000000000
DATA expConst<>+200(SB)/8, $0x3ff0000000000000
DATA expConst<>+208(SB)/8, $0x3ff0000000000000
DATA expConst<>+216(SB)/8, $0x3ff0000000000000
DATA expConst<>+224(SB)/8, $0x3fe0000000000000
DATA expConst<>+232(SB)/8, $0x3fe0000000000000
DATA expConst<>+240(SB)/8, $0x3fe0000000000000
DATA expConst<>+248(SB)/8, $0x3fe0000000000000
DATA expConst<>+256(SB)/8, $0x3fc5555555555555
DATA expConst<>+264(SB)/8, $0x3fc5555555555555
DATA expConst<>+272(SB)/8, $0x3fc5555555555555
DATA expConst<>+280(SB)/8, $0x3fc5555555555555
DATA expConst<>+288(SB)/8, $0x3fa5555555555555
DATA expConst<>+296(SB)/8, $0x3fa5555555555555
DATA expConst<>+304(SB)/8, $0x3fa5555555555555
DATA expConst<>+312(SB)/8, $0x3fa5555555555555
DATA expConst<>+320(SB)/8, $0x3f81111111111111
DATA expConst<>+328(SB)/8, $0x3f81111111111111
DATA expConst<>+336(SB)/8, $0x3f81111111111111
DATA expConst<>+344(SB)/8, $0x3f81111111111111
DATA expConst<>+352(SB)/8, $0x3f56c16c16c16c17
DATA expConst<>+360(SB)/8, $0x3f56c16c16c16c17
DATA expConst<>+368(SB)/8, $0x3f56c16c16c16c17
DATA expConst<>+376(SB)/8, $0x3f56c16c16c16c17
DATA expConst<>+384(SB)/8, $0x3f2a01a01a01a01a
DATA expConst<>+392(SB)/8, $0x3f2a01a01a01a01a
DATA expConst<>+400(SB)/8, $0x3f2a01a01a01a01a
DATA expConst<>+408(SB)/8, $0x3f2a01a01a01a01a
DATA expConst<>+416(SB)/8, $0x3efa01a01a01a01a
DATA expConst<>+424(SB)/8, $0x3efa01a01a01a01a
DATA expConst<>+432(SB)/8, $0x3efa01a01a01a01a
DATA expConst<>+440(SB)/8, $0x3efa01a01a01a01a
DATA expConst<>+448(SB)/8, $0x3ec71de3a556c734
DATA expConst<>+456(SB)/8, $0x3ec71de3a556c734
DATA expConst<>+464(SB)/8, $0x3ec71de3a556c734
DATA expConst<>+472(SB)/8, $0x3ec71de3a556c734
DATA expConst<>+480(SB)/8, $0x3e927e4fb7789f5c
DATA expConst<>+488(SB)/8, $0x3e927e4fb7789f5c
DATA expConst<>+496(SB)/8, $0x3e927e4fb7789f5c
DATA expConst<>+504(SB)/8, $0x3e927e4fb7789f5c
DATA expConst<>+512(SB)/8, $0x3e5ae64567f544e4
DATA expConst<>+520(SB)/8, $0x3e5ae64567f544e4
DATA expConst<>+528(SB)/8, $0x3e5ae64567f544e4
DATA expConst<>+536(SB)/8, $0x3e5ae64567f544e4
DATA expConst<>+544(SB)/8, $0x3e21eed8eff8d898
DATA expConst<>+552(SB)/8, $0x3e21eed8eff8d898
DATA expConst<>+560(SB)/8, $0x3e21eed8eff8d898
DATA expConst<>+568(SB)/8, $0x3e21eed8eff8d898
DATA expConst<>+576(SB)/8, $0x3de6124613a86d09
DATA expConst<>+584(SB)/8, $0x3de6124613a86d09
DATA expConst<>+592(SB)/8, $0x3de6124613a86d09
DATA expConst<>+600(SB)/8, $0x3de6124613a86d09
GLOBL expConst<>(SB), RODATA|NOPTR, $608

DATA expBias<>+0(SB)/8, $1023
DATA expBias<>+8(SB)/8, $1023
DATA expBias<>+16(SB)/8, $1023
DATA expBias<>+24(SB)/8, $1023
GLOBL expBias<>(SB), RODATA|NOPTR, $32

// func expAVX2(x *float64, n int) int
//
// Replaces x[k] by exp(x[k]), four at a time, as long as every lane of a
// vector lies in [−708, 709]; it returns the index of the first vector
// that does not (NaN included), or n. n must be a multiple of 4. Method:
// N = round(x·log2 e), r = x − N·ln 2 in two parts (|r| <= 0.35), exp(r)
// by its Taylor polynomial of degree 13 (truncation error below 5e-18
// relative) in Horner form with FMA, times 2^N built in the exponent bits.
TEXT ·expAVX2(SB), NOSPLIT, $0-24
	MOVQ    x+0(FP), SI
	MOVQ    n+8(FP), CX
	VMOVUPD expConst<>+96(SB), Y8   // lo
	VMOVUPD expConst<>+128(SB), Y9  // hi
	VMOVUPD expConst<>+0(SB), Y10   // log2e
	VMOVUPD expBias<>(SB), Y11
	XORQ    AX, AX

exploop:
	CMPQ      AX, CX
	JGE       expdone
	VMOVUPD   (SI)(AX*8), Y0
	VCMPPD    $13, Y8, Y0, Y1        // x >= lo (false for NaN)
	VCMPPD    $2, Y9, Y0, Y2         // x <= hi
	VANDPD    Y2, Y1, Y1
	VMOVMSKPD Y1, BX
	CMPQ      BX, $15
	JNE       expdone

	VMULPD       Y10, Y0, Y3
	VROUNDPD     $0, Y3, Y3          // N, to nearest
	VMOVAPD      Y0, Y4
	VFNMADD231PD expConst<>+32(SB), Y3, Y4   // r = x − N·ln2hi
	VFNMADD231PD expConst<>+64(SB), Y3, Y4   // r −= N·ln2lo

	VMOVUPD     expConst<>+576(SB), Y5       // c13
	VFMADD213PD expConst<>+544(SB), Y4, Y5
	VFMADD213PD expConst<>+512(SB), Y4, Y5
	VFMADD213PD expConst<>+480(SB), Y4, Y5
	VFMADD213PD expConst<>+448(SB), Y4, Y5
	VFMADD213PD expConst<>+416(SB), Y4, Y5
	VFMADD213PD expConst<>+384(SB), Y4, Y5
	VFMADD213PD expConst<>+352(SB), Y4, Y5
	VFMADD213PD expConst<>+320(SB), Y4, Y5
	VFMADD213PD expConst<>+288(SB), Y4, Y5
	VFMADD213PD expConst<>+256(SB), Y4, Y5
	VFMADD213PD expConst<>+224(SB), Y4, Y5
	VFMADD213PD expConst<>+192(SB), Y4, Y5
	VFMADD213PD expConst<>+160(SB), Y4, Y5   // p = exp(r)

	VCVTPD2DQY Y3, X6
	VPMOVSXDQ  X6, Y6
	VPADDQ     Y11, Y6, Y6
	VPSLLQ     $52, Y6, Y6               // 2^N
	VMULPD     Y6, Y5, Y5
	VMOVUPD    Y5, (SI)(AX*8)
	ADDQ       $4, AX
	JMP        exploop

expdone:
	MOVQ AX, ret+16(FP)
	VZEROUPPER
	RET
