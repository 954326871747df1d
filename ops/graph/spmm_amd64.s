//go:build !noasm

#include "textflag.h"

// func spmmRowAVX2(dst *float32, x *float32, stride int, idx *int32, vals *float32, nnz int, width int)
//
// For c in [0, width), width a multiple of 8:
//	dst[c] = Σ_{k<nnz} vals[k] * x[idx[k]*stride + c]
// Columns go in blocks of 64 (eight YMM accumulators), then blocks of 8.
TEXT ·spmmRowAVX2(SB), NOSPLIT, $0-56
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ stride+16(FP), R8
	SHLQ $2, R8
	MOVQ idx+24(FP), R9
	MOVQ vals+32(FP), R10
	MOVQ nnz+40(FP), R11
	MOVQ width+48(FP), CX
	XORQ BX, BX

block64:
	CMPQ CX, $64
	JLT  block8
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	XORQ   DX, DX

loop64:
	CMPQ         DX, R11
	JGE          store64
	MOVLQSX      (R9)(DX*4), AX
	IMULQ        R8, AX
	ADDQ         SI, AX
	ADDQ         BX, AX
	VBROADCASTSS (R10)(DX*4), Y8
	VFMADD231PS  (AX), Y8, Y0
	VFMADD231PS  32(AX), Y8, Y1
	VFMADD231PS  64(AX), Y8, Y2
	VFMADD231PS  96(AX), Y8, Y3
	VFMADD231PS  128(AX), Y8, Y4
	VFMADD231PS  160(AX), Y8, Y5
	VFMADD231PS  192(AX), Y8, Y6
	VFMADD231PS  224(AX), Y8, Y7
	INCQ         DX
	JMP          loop64

store64:
	VMOVUPS Y0, (DI)(BX*1)
	VMOVUPS Y1, 32(DI)(BX*1)
	VMOVUPS Y2, 64(DI)(BX*1)
	VMOVUPS Y3, 96(DI)(BX*1)
	VMOVUPS Y4, 128(DI)(BX*1)
	VMOVUPS Y5, 160(DI)(BX*1)
	VMOVUPS Y6, 192(DI)(BX*1)
	VMOVUPS Y7, 224(DI)(BX*1)
	ADDQ    $256, BX
	SUBQ    $64, CX
	JMP     block64

block8:
	CMPQ   CX, $8
	JLT    done
	VXORPS Y0, Y0, Y0
	XORQ   DX, DX

loop8:
	CMPQ         DX, R11
	JGE          store8
	MOVLQSX      (R9)(DX*4), AX
	IMULQ        R8, AX
	ADDQ         SI, AX
	ADDQ         BX, AX
	VBROADCASTSS (R10)(DX*4), Y8
	VFMADD231PS  (AX), Y8, Y0
	INCQ         DX
	JMP          loop8

store8:
	VMOVUPS Y0, (DI)(BX*1)
	ADDQ    $32, BX
	SUBQ    $8, CX
	JMP     block8

done:
	VZEROUPPER
	RET
