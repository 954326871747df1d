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

// func scanRowAVX2(c, v, dist *float64, pred *int64, n int, h float64, row int64, out *[8]float64)
//
// One row scan of the assignment's shortest-path search, for k < n (a
// positive multiple of 4): t = c[k] − v[k] − h; where t < dist[k], set
// dist[k] = t and pred[k] = row. For each lane l, out[l] is the minimum of
// the updated dist[k] over k ≡ l (mod 4) and out[4+l] the first k reaching
// it (as a float64).
TEXT ·scanRowAVX2(SB), NOSPLIT, $0-64
	MOVQ         c+0(FP), SI
	MOVQ         v+8(FP), DI
	MOVQ         dist+16(FP), R8
	MOVQ         pred+24(FP), R9
	MOVQ         n+32(FP), CX
	VBROADCASTSD h+40(FP), Y6
	VPBROADCASTQ row+48(FP), Y7
	MOVQ         out+56(FP), DX

	VMOVUPD      minDiffLanes<>(SB), Y2
	VBROADCASTSD minDiffFour<>(SB), Y3
	VBROADCASTSD minDiffInf<>(SB), Y0
	VMOVAPD      Y2, Y1
	XORQ         AX, AX

scanloop:
	CMPQ      AX, CX
	JGE       scandone
	VMOVUPD   (SI)(AX*8), Y4
	VSUBPD    (DI)(AX*8), Y4, Y4
	VSUBPD    Y6, Y4, Y4
	VMOVUPD   (R8)(AX*8), Y5
	VCMPPD    $1, Y5, Y4, Y8
	VBLENDVPD Y8, Y4, Y5, Y5
	VMOVUPD   Y5, (R8)(AX*8)
	VMOVUPD   (R9)(AX*8), Y9
	VBLENDVPD Y8, Y7, Y9, Y9
	VMOVUPD   Y9, (R9)(AX*8)
	VCMPPD    $1, Y0, Y5, Y10
	VBLENDVPD Y10, Y5, Y0, Y0
	VBLENDVPD Y10, Y2, Y1, Y1
	VADDPD    Y3, Y2, Y2
	ADDQ      $4, AX
	JMP       scanloop

scandone:
	VMOVUPD Y0, 0(DX)
	VMOVUPD Y1, 32(DX)
	VZEROUPPER
	RET

// func belowAVX2(x, y *float64, n int, thr float64, idx *int32) int
//
// Writes every k < n with x[k] − y[k] < thr to idx, in increasing order,
// and returns how many there are; idx must have room for n entries and n
// must be a multiple of 4.
TEXT ·belowAVX2(SB), NOSPLIT, $0-48
	MOVQ         x+0(FP), SI
	MOVQ         y+8(FP), DI
	MOVQ         n+16(FP), CX
	VBROADCASTSD thr+24(FP), Y2
	MOVQ         idx+32(FP), R8
	XORQ         AX, AX
	XORQ         R9, R9

belowloop:
	CMPQ      AX, CX
	JGE       belowdone
	VMOVUPD   (SI)(AX*8), Y0
	VSUBPD    (DI)(AX*8), Y0, Y0
	VCMPPD    $1, Y2, Y0, Y1
	VMOVMSKPD Y1, BX
	TESTQ     BX, BX
	JNZ       belowbits

belownext:
	ADDQ $4, AX
	JMP  belowloop

belowbits:
	BSFQ BX, DX
	ADDQ AX, DX
	MOVL DX, (R8)(R9*4)
	INCQ R9
	LEAQ -1(BX), DX
	ANDQ DX, BX
	JNZ  belowbits
	JMP  belownext

belowdone:
	MOVQ R9, ret+40(FP)
	VZEROUPPER
	RET
