//go:build !noasm

#include "textflag.h"

DATA minDiffLanes<>+0(SB)/8, $0.0
DATA minDiffLanes<>+8(SB)/8, $1.0
DATA minDiffLanes<>+16(SB)/8, $2.0
DATA minDiffLanes<>+24(SB)/8, $3.0
GLOBL minDiffLanes<>(SB), RODATA|NOPTR, $32

DATA minDiffFour<>+0(SB)/8, $4.0
GLOBL minDiffFour<>(SB), RODATA|NOPTR, $8

DATA minDiffInf<>+0(SB)/8, $0x7FF0000000000000
GLOBL minDiffInf<>(SB), RODATA|NOPTR, $8

// func minDiffAVX2(x, y *float64, n int, out *[8]float64)
//
// For each lane l in 0..3, out[l] is the minimum of x[k] − y[k] over
// k ≡ l (mod 4), k < n, and out[4+l] is the first such k reaching it (as a
// float64). n must be a positive multiple of 4.
TEXT ·minDiffAVX2(SB), NOSPLIT, $0-32
	MOVQ x+0(FP), SI
	MOVQ y+8(FP), DI
	MOVQ n+16(FP), CX
	MOVQ out+24(FP), DX

	VMOVUPD      minDiffLanes<>(SB), Y2
	VBROADCASTSD minDiffFour<>(SB), Y3
	VBROADCASTSD minDiffInf<>(SB), Y0
	VMOVAPD      Y2, Y1
	XORQ         AX, AX

loop:
	CMPQ      AX, CX
	JGE       done
	VMOVUPD   (SI)(AX*8), Y4
	VSUBPD    (DI)(AX*8), Y4, Y4
	VCMPPD    $1, Y0, Y4, Y5
	VBLENDVPD Y5, Y4, Y0, Y0
	VBLENDVPD Y5, Y2, Y1, Y1
	VADDPD    Y3, Y2, Y2
	ADDQ      $4, AX
	JMP       loop

done:
	VMOVUPD Y0, 0(DX)
	VMOVUPD Y1, 32(DX)
	VZEROUPPER
	RET
