//go:build amd64 && !purego

#include "textflag.h"

// Kernels for AVX2 + FMA3 (Go's operand order: sources first, destination last).
// Callers check haveAVX2FMA and the shape preconditions documented in simd_amd64.go.

// func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)
TEXT ·cpuid(SB), NOSPLIT, $0-24
	MOVL eaxArg+0(FP), AX
	MOVL ecxArg+4(FP), CX
	CPUID
	MOVL AX, eax+8(FP)
	MOVL BX, ebx+12(FP)
	MOVL CX, ecx+16(FP)
	MOVL DX, edx+20(FP)
	RET

// func xgetbv() (eax, edx uint32)
TEXT ·xgetbv(SB), NOSPLIT, $0-8
	MOVL $0, CX
	XGETBV
	MOVL AX, eax+0(FP)
	MOVL DX, edx+4(FP)
	RET

// Constants of the tanh kernel, each replicated four times (see tanh.go).
// 0: abs mask
DATA tanhc<>+0(SB)/8, $0x7fffffffffffffff
DATA tanhc<>+8(SB)/8, $0x7fffffffffffffff
DATA tanhc<>+16(SB)/8, $0x7fffffffffffffff
DATA tanhc<>+24(SB)/8, $0x7fffffffffffffff
// 32: limit (20)
DATA tanhc<>+32(SB)/8, $0x4034000000000000
DATA tanhc<>+40(SB)/8, $0x4034000000000000
DATA tanhc<>+48(SB)/8, $0x4034000000000000
DATA tanhc<>+56(SB)/8, $0x4034000000000000
// 64: 1/ln2 (1.4426950408889634)
DATA tanhc<>+64(SB)/8, $0x3ff71547652b82fe
DATA tanhc<>+72(SB)/8, $0x3ff71547652b82fe
DATA tanhc<>+80(SB)/8, $0x3ff71547652b82fe
DATA tanhc<>+88(SB)/8, $0x3ff71547652b82fe
// 96: magic 1.5·2^52 (6.755399441055744e+15)
DATA tanhc<>+96(SB)/8, $0x4338000000000000
DATA tanhc<>+104(SB)/8, $0x4338000000000000
DATA tanhc<>+112(SB)/8, $0x4338000000000000
DATA tanhc<>+120(SB)/8, $0x4338000000000000
// 128: ln2 hi (0.6931471803691238)
DATA tanhc<>+128(SB)/8, $0x3fe62e42fee00000
DATA tanhc<>+136(SB)/8, $0x3fe62e42fee00000
DATA tanhc<>+144(SB)/8, $0x3fe62e42fee00000
DATA tanhc<>+152(SB)/8, $0x3fe62e42fee00000
// 160: ln2 lo (1.9082149292705877e-10)
DATA tanhc<>+160(SB)/8, $0x3dea39ef35793c76
DATA tanhc<>+168(SB)/8, $0x3dea39ef35793c76
DATA tanhc<>+176(SB)/8, $0x3dea39ef35793c76
DATA tanhc<>+184(SB)/8, $0x3dea39ef35793c76
// 192: 1 (1)
DATA tanhc<>+192(SB)/8, $0x3ff0000000000000
DATA tanhc<>+200(SB)/8, $0x3ff0000000000000
DATA tanhc<>+208(SB)/8, $0x3ff0000000000000
DATA tanhc<>+216(SB)/8, $0x3ff0000000000000
// 224: 2 (2)
DATA tanhc<>+224(SB)/8, $0x4000000000000000
DATA tanhc<>+232(SB)/8, $0x4000000000000000
DATA tanhc<>+240(SB)/8, $0x4000000000000000
DATA tanhc<>+248(SB)/8, $0x4000000000000000
// 256: p6 = 1/665280 (1.503126503126503e-06)
DATA tanhc<>+256(SB)/8, $0x3eb937e11175f095
DATA tanhc<>+264(SB)/8, $0x3eb937e11175f095
DATA tanhc<>+272(SB)/8, $0x3eb937e11175f095
DATA tanhc<>+280(SB)/8, $0x3eb937e11175f095
// 288: p4 = 1/792 (0.0012626262626262627)
DATA tanhc<>+288(SB)/8, $0x3f54afd6a052bf5b
DATA tanhc<>+296(SB)/8, $0x3f54afd6a052bf5b
DATA tanhc<>+304(SB)/8, $0x3f54afd6a052bf5b
DATA tanhc<>+312(SB)/8, $0x3f54afd6a052bf5b
// 320: p2 = 5/44 (0.11363636363636363)
DATA tanhc<>+320(SB)/8, $0x3fbd1745d1745d17
DATA tanhc<>+328(SB)/8, $0x3fbd1745d1745d17
DATA tanhc<>+336(SB)/8, $0x3fbd1745d1745d17
DATA tanhc<>+344(SB)/8, $0x3fbd1745d1745d17
// 352: p5 = 1/15840 (6.313131313131313e-05)
DATA tanhc<>+352(SB)/8, $0x3f108cabb37565e2
DATA tanhc<>+360(SB)/8, $0x3f108cabb37565e2
DATA tanhc<>+368(SB)/8, $0x3f108cabb37565e2
DATA tanhc<>+376(SB)/8, $0x3f108cabb37565e2
// 384: p3 = 1/66 (0.015151515151515152)
DATA tanhc<>+384(SB)/8, $0x3f8f07c1f07c1f08
DATA tanhc<>+392(SB)/8, $0x3f8f07c1f07c1f08
DATA tanhc<>+400(SB)/8, $0x3f8f07c1f07c1f08
DATA tanhc<>+408(SB)/8, $0x3f8f07c1f07c1f08
// 416: p1 = 1/2 (0.5)
DATA tanhc<>+416(SB)/8, $0x3fe0000000000000
DATA tanhc<>+424(SB)/8, $0x3fe0000000000000
DATA tanhc<>+432(SB)/8, $0x3fe0000000000000
DATA tanhc<>+440(SB)/8, $0x3fe0000000000000
GLOBL tanhc<>(SB), RODATA|NOPTR, $448

// func tanhAVX2(x []float64)
TEXT ·tanhAVX2(SB), NOSPLIT, $0-24
	MOVQ x_base+0(FP), SI
	MOVQ x_len+8(FP), CX
	SHRQ $2, CX
	JZ   tanhdone
	VMOVUPD tanhc<>+0(SB), Y15  // abs mask
	VMOVUPD tanhc<>+32(SB), Y14 // limit
	VMOVUPD tanhc<>+96(SB), Y13 // magic

tanhloop:
	VMOVUPD (SI), Y0                  // x
	VANDPD  Y15, Y0, Y1               // |x|
	VANDNPD Y0, Y15, Y2               // sign bits of x
	VMINPD  Y1, Y14, Y1               // min(20, |x|), NaN kept
	VADDPD  Y1, Y1, Y1                // t = 2|x|
	VMOVAPD Y13, Y5
	VFMADD231PD tanhc<>+64(SB), Y1, Y5 // k = t/ln2 + magic
	VSUBPD  Y13, Y5, Y6               // n
	VFNMADD231PD tanhc<>+128(SB), Y6, Y1 // r = t - n·ln2hi
	VFNMADD231PD tanhc<>+160(SB), Y6, Y1 // r -= n·ln2lo
	VMULPD  Y1, Y1, Y8                // r²
	VMOVUPD tanhc<>+256(SB), Y7       // even part E(r)
	VFMADD213PD tanhc<>+288(SB), Y8, Y7
	VFMADD213PD tanhc<>+320(SB), Y8, Y7
	VFMADD213PD tanhc<>+192(SB), Y8, Y7
	VMOVUPD tanhc<>+352(SB), Y9       // odd part O(r)
	VFMADD213PD tanhc<>+384(SB), Y8, Y9
	VFMADD213PD tanhc<>+416(SB), Y8, Y9
	VMULPD  Y9, Y1, Y9                // O = r·(…)
	VSUBPD  Y9, Y7, Y7                // D = E - O
	VPSLLQ  $52, Y5, Y5
	VPADDQ  tanhc<>+192(SB), Y5, Y5   // s = 2ⁿ
	VSUBPD  tanhc<>+192(SB), Y5, Y10  // s - 1
	VADDPD  Y9, Y9, Y9                // 2·O
	VMULPD  Y9, Y5, Y9                // s·2·O
	VFMADD231PD Y7, Y10, Y9           // A = (s - 1)·D + s·2·O
	VADDPD  Y7, Y7, Y7                // 2·D
	VADDPD  Y9, Y7, Y7                // A + 2·D
	VDIVPD  Y7, Y9, Y9                // tanh(|x|) = A/(A + 2·D)
	VORPD   Y2, Y9, Y9                // copy the sign of x
	VMOVUPD Y9, (SI)
	ADDQ    $32, SI
	DECQ    CX
	JNZ     tanhloop
	VZEROUPPER

tanhdone:
	RET

// HSUM4 sums each of a, b, c, d horizontally and leaves [Σa, Σb, Σc, Σd] in a
// (clobbers b and c).
#define HSUM4(a, b, c, d) \
	VHADDPD    b, a, a \
	VHADDPD    d, c, c \
	VPERM2F128 $0x21, c, a, b \
	VBLENDPD   $0x0C, c, a, a \
	VADDPD     b, a, a

// HSUM1 sums ymm a horizontally into the low lane of xa (clobbers xt), as
// (a0+a1)+(a2+a3) like HSUM4 and HSUM2, so that an output gets the same bits
// whichever tile computes it (Predict and PredictBatch agree exactly).
#define HSUM1(a, xa, xt) \
	VHADDPD      a, a, a \
	VEXTRACTF128 $1, a, xt \
	VADDSD       xt, xa, xa

// HSUM2 sums ymm a and ymm b horizontally into [Σa, Σb] in xa (clobbers xb).
#define HSUM2(a, b, xa, xb) \
	VHADDPD      b, a, a \
	VEXTRACTF128 $1, a, xb \
	VADDPD       xb, xa, xa

// FWDSTORE4 stores the four lanes of ymm v (xv its low half, xt a scratch xmm) at
// off(DI), off(DI)(R14*1), off(DI)(R14*2) and off(R9): one output of four rows of y.
#define FWDSTORE4(v, xv, xt, off) \
	VMOVSD       xv, off(DI) \
	VMOVHPD      xv, off(DI)(R14*1) \
	VEXTRACTF128 $1, v, xt \
	VMOVSD       xt, off(DI)(R14*2) \
	VMOVHPD      xt, off(R9)

// func fwdAVX2(y, x, w, b []float64, n, in, out int)
//
// y[r][o] = b[o] + Σ_k x[r][k]·w[o][k], w row-major [out, in], in a multiple of 4.
// Tiles of 4 rows × 3 outputs keep 12 vector accumulators over k, reduced at the end;
// they read each row of w once per 4 rows of x, which matters because a 64×64 weight
// matrix fills the L1 cache. Then 4 × 1 tiles for the last outputs, and 2 × 6, 2 × 4,
// 2 × 1, 1 × 4 and 1 × 1 tiles for the last rows.
TEXT ·fwdAVX2(SB), NOSPLIT, $0-120
	MOVQ y_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ w_base+48(FP), DX
	MOVQ n+96(FP), CX
	MOVQ in+104(FP), R13
	SHLQ $3, R13               // row stride of x and w in bytes
	MOVQ out+112(FP), R14
	SHLQ $3, R14               // row stride of y in bytes

fwdquad:
	CMPQ CX, $4
	JLT  fwdpair
	LEAQ (SI)(R13*1), R10      // x row r+1; rows r+2, r+3 are (SI)(R13*2), (R10)(R13*2)
	MOVQ DX, R12               // w row o
	MOVQ b_base+72(FP), BX
	MOVQ out+112(FP), AX

fwdquad3:
	CMPQ   AX, $3
	JLT    fwdquad1
	MOVQ   R12, R8
	MOVQ   R13, R11
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	VXORPD Y8, Y8, Y8
	VXORPD Y9, Y9, Y9
	VXORPD Y10, Y10, Y10
	VXORPD Y11, Y11, Y11

fwdquad3k:
	VMOVUPD     (R8), Y12
	VMOVUPD     (R8)(R13*1), Y13
	VMOVUPD     (R8)(R13*2), Y14
	VMOVUPD     (SI), Y15
	VFMADD231PD Y12, Y15, Y0
	VFMADD231PD Y13, Y15, Y1
	VFMADD231PD Y14, Y15, Y2
	VMOVUPD     (R10), Y15
	VFMADD231PD Y12, Y15, Y3
	VFMADD231PD Y13, Y15, Y4
	VFMADD231PD Y14, Y15, Y5
	VMOVUPD     (SI)(R13*2), Y15
	VFMADD231PD Y12, Y15, Y6
	VFMADD231PD Y13, Y15, Y7
	VFMADD231PD Y14, Y15, Y8
	VMOVUPD     (R10)(R13*2), Y15
	VFMADD231PD Y12, Y15, Y9
	VFMADD231PD Y13, Y15, Y10
	VFMADD231PD Y14, Y15, Y11
	ADDQ        $32, SI
	ADDQ        $32, R10
	ADDQ        $32, R8
	SUBQ        $32, R11
	JNZ         fwdquad3k
	SUBQ        R13, SI
	SUBQ        R13, R10
	HSUM4(Y0, Y3, Y6, Y9)      // output o of rows r..r+3
	HSUM4(Y1, Y4, Y7, Y10)     // output o+1
	HSUM4(Y2, Y5, Y8, Y11)     // output o+2
	VBROADCASTSD (BX), Y12
	VBROADCASTSD 8(BX), Y13
	VBROADCASTSD 16(BX), Y14
	VADDPD       Y12, Y0, Y0
	VADDPD       Y13, Y1, Y1
	VADDPD       Y14, Y2, Y2
	LEAQ         (DI)(R14*2), R9
	ADDQ         R14, R9       // y row r+3
	FWDSTORE4(Y0, X0, X3, 0)
	FWDSTORE4(Y1, X1, X4, 8)
	FWDSTORE4(Y2, X2, X5, 16)
	ADDQ         $24, DI
	ADDQ         $24, BX
	LEAQ         (R12)(R13*2), R12
	ADDQ         R13, R12
	SUBQ         $3, AX
	JMP          fwdquad3

fwdquad1:
	TESTQ  AX, AX
	JZ     fwdquaddone
	MOVQ   R12, R8
	MOVQ   R13, R11
	VXORPD Y0, Y0, Y0
	VXORPD Y3, Y3, Y3
	VXORPD Y6, Y6, Y6
	VXORPD Y9, Y9, Y9

fwdquad1k:
	VMOVUPD     (R8), Y12
	VFMADD231PD (SI), Y12, Y0
	VFMADD231PD (R10), Y12, Y3
	VFMADD231PD (SI)(R13*2), Y12, Y6
	VFMADD231PD (R10)(R13*2), Y12, Y9
	ADDQ        $32, SI
	ADDQ        $32, R10
	ADDQ        $32, R8
	SUBQ        $32, R11
	JNZ         fwdquad1k
	SUBQ        R13, SI
	SUBQ        R13, R10
	HSUM4(Y0, Y3, Y6, Y9)
	VBROADCASTSD (BX), Y12
	VADDPD       Y12, Y0, Y0
	LEAQ         (DI)(R14*2), R9
	ADDQ         R14, R9
	FWDSTORE4(Y0, X0, X3, 0)
	ADDQ         $8, DI
	ADDQ         $8, BX
	ADDQ         R13, R12
	DECQ         AX
	JMP          fwdquad1

fwdquaddone:
	LEAQ (DI)(R14*2), DI       // DI advanced one row of y above; skip three more
	ADDQ R14, DI
	LEAQ (SI)(R13*4), SI
	SUBQ $4, CX
	JMP  fwdquad

fwdpair:
	CMPQ CX, $2
	JLT  fwdsingle
	LEAQ (SI)(R13*1), R10      // x row r+1
	MOVQ DX, R12               // w row o
	MOVQ b_base+72(FP), BX
	MOVQ out+112(FP), AX

fwdpair6:
	CMPQ   AX, $6
	JLT    fwdpair4
	MOVQ   R12, R8
	LEAQ   (R8)(R13*1), R9
	MOVQ   R13, R11
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	VXORPD Y8, Y8, Y8
	VXORPD Y9, Y9, Y9
	VXORPD Y10, Y10, Y10
	VXORPD Y11, Y11, Y11

fwdpair6k:
	VMOVUPD     (SI), Y12
	VMOVUPD     (R10), Y13
	VMOVUPD     (R8), Y14
	VFMADD231PD Y14, Y12, Y0
	VFMADD231PD Y14, Y13, Y6
	VMOVUPD     (R8)(R13*1), Y15
	VFMADD231PD Y15, Y12, Y1
	VFMADD231PD Y15, Y13, Y7
	VMOVUPD     (R8)(R13*2), Y14
	VFMADD231PD Y14, Y12, Y2
	VFMADD231PD Y14, Y13, Y8
	VMOVUPD     (R9)(R13*2), Y15
	VFMADD231PD Y15, Y12, Y3
	VFMADD231PD Y15, Y13, Y9
	VMOVUPD     (R8)(R13*4), Y14
	VFMADD231PD Y14, Y12, Y4
	VFMADD231PD Y14, Y13, Y10
	VMOVUPD     (R9)(R13*4), Y15
	VFMADD231PD Y15, Y12, Y5
	VFMADD231PD Y15, Y13, Y11
	ADDQ        $32, SI
	ADDQ        $32, R10
	ADDQ        $32, R8
	ADDQ        $32, R9
	SUBQ        $32, R11
	JNZ         fwdpair6k
	SUBQ        R13, SI
	SUBQ        R13, R10
	HSUM4(Y0, Y1, Y2, Y3)
	HSUM2(Y4, Y5, X4, X5)
	HSUM4(Y6, Y7, Y8, Y9)
	HSUM2(Y10, Y11, X10, X11)
	VMOVUPD     (BX), Y12
	VMOVUPD     32(BX), X13
	VADDPD      Y12, Y0, Y0
	VADDPD      X13, X4, X4
	VADDPD      Y12, Y6, Y6
	VADDPD      X13, X10, X10
	VMOVUPD     Y0, (DI)
	VMOVUPD     X4, 32(DI)
	VMOVUPD     Y6, (DI)(R14*1)
	VMOVUPD     X10, 32(DI)(R14*1)
	ADDQ        $48, DI
	ADDQ        $48, BX
	LEAQ        (R12)(R13*4), R12
	LEAQ        (R12)(R13*2), R12
	SUBQ        $6, AX
	JMP         fwdpair6

fwdpair4:
	CMPQ   AX, $4
	JLT    fwdpair1
	MOVQ   R12, R8
	LEAQ   (R8)(R13*1), R9
	MOVQ   R13, R11
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7

fwdpair4k:
	VMOVUPD     (SI), Y8
	VMOVUPD     (R10), Y9
	VMOVUPD     (R8), Y10
	VFMADD231PD Y10, Y8, Y0
	VFMADD231PD Y10, Y9, Y4
	VMOVUPD     (R8)(R13*1), Y11
	VFMADD231PD Y11, Y8, Y1
	VFMADD231PD Y11, Y9, Y5
	VMOVUPD     (R8)(R13*2), Y12
	VFMADD231PD Y12, Y8, Y2
	VFMADD231PD Y12, Y9, Y6
	VMOVUPD     (R9)(R13*2), Y13
	VFMADD231PD Y13, Y8, Y3
	VFMADD231PD Y13, Y9, Y7
	ADDQ        $32, SI
	ADDQ        $32, R10
	ADDQ        $32, R8
	ADDQ        $32, R9
	SUBQ        $32, R11
	JNZ         fwdpair4k
	SUBQ        R13, SI
	SUBQ        R13, R10
	HSUM4(Y0, Y1, Y2, Y3)
	HSUM4(Y4, Y5, Y6, Y7)
	VMOVUPD     (BX), Y8
	VADDPD      Y8, Y0, Y0
	VADDPD      Y8, Y4, Y4
	VMOVUPD     Y0, (DI)
	VMOVUPD     Y4, (DI)(R14*1)
	ADDQ        $32, DI
	ADDQ        $32, BX
	LEAQ        (R12)(R13*4), R12
	SUBQ        $4, AX
	JMP         fwdpair4

fwdpair1:
	TESTQ  AX, AX
	JZ     fwdpairdone
	MOVQ   R12, R8
	MOVQ   R13, R11
	VXORPD Y0, Y0, Y0
	VXORPD Y4, Y4, Y4

fwdpair1k:
	VMOVUPD     (R8), Y10
	VFMADD231PD (SI), Y10, Y0
	VFMADD231PD (R10), Y10, Y4
	ADDQ        $32, SI
	ADDQ        $32, R10
	ADDQ        $32, R8
	SUBQ        $32, R11
	JNZ         fwdpair1k
	SUBQ        R13, SI
	SUBQ        R13, R10
	HSUM1(Y0, X0, X1)
	HSUM1(Y4, X4, X5)
	VADDSD      (BX), X0, X0
	VADDSD      (BX), X4, X4
	VMOVSD      X0, (DI)
	VMOVSD      X4, (DI)(R14*1)
	ADDQ        $8, DI
	ADDQ        $8, BX
	ADDQ        R13, R12
	DECQ        AX
	JMP         fwdpair1

fwdpairdone:
	ADDQ R14, DI               // skip row r+1 of y, written above
	LEAQ (SI)(R13*2), SI
	SUBQ $2, CX
	JMP  fwdpair

fwdsingle:
	TESTQ CX, CX
	JZ    fwddone
	MOVQ  DX, R12
	MOVQ  b_base+72(FP), BX
	MOVQ  out+112(FP), AX

fwdsingle4:
	CMPQ   AX, $4
	JLT    fwdsingle1
	MOVQ   R12, R8
	LEAQ   (R8)(R13*1), R9
	MOVQ   R13, R11
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3

fwdsingle4k:
	VMOVUPD     (SI), Y8
	VFMADD231PD (R8), Y8, Y0
	VFMADD231PD (R8)(R13*1), Y8, Y1
	VFMADD231PD (R8)(R13*2), Y8, Y2
	VFMADD231PD (R9)(R13*2), Y8, Y3
	ADDQ        $32, SI
	ADDQ        $32, R8
	ADDQ        $32, R9
	SUBQ        $32, R11
	JNZ         fwdsingle4k
	SUBQ        R13, SI
	HSUM4(Y0, Y1, Y2, Y3)
	VADDPD      (BX), Y0, Y0
	VMOVUPD     Y0, (DI)
	ADDQ        $32, DI
	ADDQ        $32, BX
	LEAQ        (R12)(R13*4), R12
	SUBQ        $4, AX
	JMP         fwdsingle4

fwdsingle1:
	TESTQ  AX, AX
	JZ     fwddone
	MOVQ   R12, R8
	MOVQ   R13, R11
	VXORPD Y0, Y0, Y0

fwdsingle1k:
	VMOVUPD     (R8), Y10
	VFMADD231PD (SI), Y10, Y0
	ADDQ        $32, SI
	ADDQ        $32, R8
	SUBQ        $32, R11
	JNZ         fwdsingle1k
	SUBQ        R13, SI
	HSUM1(Y0, X0, X1)
	VADDSD      (BX), X0, X0
	VMOVSD      X0, (DI)
	ADDQ        $8, DI
	ADDQ        $8, BX
	ADDQ        R13, R12
	DECQ        AX
	JMP         fwdsingle1

fwddone:
	VZEROUPPER
	RET

// func gemmAVX2(c, a, b []float64, m, p, cols, ars, acs, ldb, acc int)
//
// c[i][j] = Σ_l a[i*ars+l*acs]·b[l][j] (plus c[i][j] if acc ≠ 0) with c row stride cols (a multiple of 4) and b
// row stride ldb. Tiles of 6 rows × 8 columns broadcast one a value per row and
// multiply it by two vectors of b (12 accumulators); then 4-row tiles and 1-row tiles
// (16, 8 or 4 columns), and 4-column tiles for the last columns.
TEXT ·gemmAVX2(SB), NOSPLIT, $0-128
	MOVQ c_base+0(FP), DI
	MOVQ a_base+24(FP), SI
	MOVQ m+72(FP), BX
	MOVQ cols+88(FP), R14
	SHLQ $3, R14               // row stride of c in bytes
	MOVQ ars+96(FP), R12
	SHLQ $3, R12
	MOVQ acs+104(FP), R13
	SHLQ $3, R13
	MOVQ ldb+112(FP), R11
	SHLQ $3, R11

gemmrows6:
	CMPQ BX, $6
	JLT  gemmrows4
	MOVQ b_base+48(FP), DX
	MOVQ cols+88(FP), AX

gemm68:
	CMPQ    AX, $8
	JLT     gemm64
	MOVQ    SI, R8
	LEAQ    (R8)(R12*2), R9
	ADDQ    R12, R9            // a row i+3
	MOVQ    DX, R10
	MOVQ    p+80(FP), CX
	VXORPD  Y0, Y0, Y0
	VXORPD  Y1, Y1, Y1
	VXORPD  Y2, Y2, Y2
	VXORPD  Y3, Y3, Y3
	VXORPD  Y4, Y4, Y4
	VXORPD  Y5, Y5, Y5
	VXORPD  Y6, Y6, Y6
	VXORPD  Y7, Y7, Y7
	VXORPD  Y8, Y8, Y8
	VXORPD  Y9, Y9, Y9
	VXORPD  Y10, Y10, Y10
	VXORPD  Y11, Y11, Y11

gemm68l:
	VMOVUPD      (R10), Y12
	VMOVUPD      32(R10), Y13
	VBROADCASTSD (R8), Y14
	VFMADD231PD  Y12, Y14, Y0
	VFMADD231PD  Y13, Y14, Y1
	VBROADCASTSD (R8)(R12*1), Y15
	VFMADD231PD  Y12, Y15, Y2
	VFMADD231PD  Y13, Y15, Y3
	VBROADCASTSD (R8)(R12*2), Y14
	VFMADD231PD  Y12, Y14, Y4
	VFMADD231PD  Y13, Y14, Y5
	VBROADCASTSD (R9), Y15
	VFMADD231PD  Y12, Y15, Y6
	VFMADD231PD  Y13, Y15, Y7
	VBROADCASTSD (R9)(R12*1), Y14
	VFMADD231PD  Y12, Y14, Y8
	VFMADD231PD  Y13, Y14, Y9
	VBROADCASTSD (R9)(R12*2), Y15
	VFMADD231PD  Y12, Y15, Y10
	VFMADD231PD  Y13, Y15, Y11
	ADDQ         R13, R8
	ADDQ         R13, R9
	ADDQ         R11, R10
	DECQ         CX
	JNZ          gemm68l
	LEAQ         (DI)(R14*2), R9
	ADDQ         R14, R9       // c row i+3
	CMPQ         acc+120(FP), $0
	JEQ          gemmst1
	VADDPD       (DI), Y0, Y0
	VADDPD       32(DI), Y1, Y1
	VADDPD       (DI)(R14*1), Y2, Y2
	VADDPD       32(DI)(R14*1), Y3, Y3
	VADDPD       (DI)(R14*2), Y4, Y4
	VADDPD       32(DI)(R14*2), Y5, Y5
	VADDPD       (R9), Y6, Y6
	VADDPD       32(R9), Y7, Y7
	VADDPD       (R9)(R14*1), Y8, Y8
	VADDPD       32(R9)(R14*1), Y9, Y9
	VADDPD       (R9)(R14*2), Y10, Y10
	VADDPD       32(R9)(R14*2), Y11, Y11

gemmst1:
	VMOVUPD      Y0, (DI)
	VMOVUPD      Y1, 32(DI)
	VMOVUPD      Y2, (DI)(R14*1)
	VMOVUPD      Y3, 32(DI)(R14*1)
	VMOVUPD      Y4, (DI)(R14*2)
	VMOVUPD      Y5, 32(DI)(R14*2)
	VMOVUPD      Y6, (R9)
	VMOVUPD      Y7, 32(R9)
	VMOVUPD      Y8, (R9)(R14*1)
	VMOVUPD      Y9, 32(R9)(R14*1)
	VMOVUPD      Y10, (R9)(R14*2)
	VMOVUPD      Y11, 32(R9)(R14*2)
	ADDQ         $64, DI
	ADDQ         $64, DX
	SUBQ         $8, AX
	JMP          gemm68

gemm64:
	TESTQ  AX, AX
	JZ     gemmrows6done
	MOVQ   SI, R8
	LEAQ   (R8)(R12*2), R9
	ADDQ   R12, R9
	MOVQ   DX, R10
	MOVQ   p+80(FP), CX
	VXORPD Y0, Y0, Y0
	VXORPD Y2, Y2, Y2
	VXORPD Y4, Y4, Y4
	VXORPD Y6, Y6, Y6
	VXORPD Y8, Y8, Y8
	VXORPD Y10, Y10, Y10

gemm64l:
	VMOVUPD      (R10), Y12
	VBROADCASTSD (R8), Y14
	VFMADD231PD  Y12, Y14, Y0
	VBROADCASTSD (R8)(R12*1), Y15
	VFMADD231PD  Y12, Y15, Y2
	VBROADCASTSD (R8)(R12*2), Y14
	VFMADD231PD  Y12, Y14, Y4
	VBROADCASTSD (R9), Y15
	VFMADD231PD  Y12, Y15, Y6
	VBROADCASTSD (R9)(R12*1), Y14
	VFMADD231PD  Y12, Y14, Y8
	VBROADCASTSD (R9)(R12*2), Y15
	VFMADD231PD  Y12, Y15, Y10
	ADDQ         R13, R8
	ADDQ         R13, R9
	ADDQ         R11, R10
	DECQ         CX
	JNZ          gemm64l
	LEAQ         (DI)(R14*2), R9
	ADDQ         R14, R9
	CMPQ         acc+120(FP), $0
	JEQ          gemmst2
	VADDPD       (DI), Y0, Y0
	VADDPD       (DI)(R14*1), Y2, Y2
	VADDPD       (DI)(R14*2), Y4, Y4
	VADDPD       (R9), Y6, Y6
	VADDPD       (R9)(R14*1), Y8, Y8
	VADDPD       (R9)(R14*2), Y10, Y10

gemmst2:
	VMOVUPD      Y0, (DI)
	VMOVUPD      Y2, (DI)(R14*1)
	VMOVUPD      Y4, (DI)(R14*2)
	VMOVUPD      Y6, (R9)
	VMOVUPD      Y8, (R9)(R14*1)
	VMOVUPD      Y10, (R9)(R14*2)
	ADDQ         $32, DI
	ADDQ         $32, DX
	SUBQ         $4, AX
	JMP          gemm64

gemmrows6done:
	LEAQ (DI)(R14*4), DI       // DI advanced one row of c above; skip five more
	ADDQ R14, DI
	LEAQ (SI)(R12*4), SI
	LEAQ (SI)(R12*2), SI
	SUBQ $6, BX
	JMP  gemmrows6

gemmrows4:
	CMPQ BX, $4
	JLT  gemmrows1
	MOVQ b_base+48(FP), DX
	MOVQ cols+88(FP), AX

gemm48:
	CMPQ   AX, $8
	JLT    gemm44
	MOVQ   SI, R8
	LEAQ   (R8)(R12*2), R9
	ADDQ   R12, R9             // a row i+3
	MOVQ   DX, R10
	MOVQ   p+80(FP), CX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7

gemm48l:
	VMOVUPD      (R10), Y8
	VMOVUPD      32(R10), Y9
	VBROADCASTSD (R8), Y10
	VFMADD231PD  Y8, Y10, Y0
	VFMADD231PD  Y9, Y10, Y1
	VBROADCASTSD (R8)(R12*1), Y11
	VFMADD231PD  Y8, Y11, Y2
	VFMADD231PD  Y9, Y11, Y3
	VBROADCASTSD (R8)(R12*2), Y12
	VFMADD231PD  Y8, Y12, Y4
	VFMADD231PD  Y9, Y12, Y5
	VBROADCASTSD (R9), Y13
	VFMADD231PD  Y8, Y13, Y6
	VFMADD231PD  Y9, Y13, Y7
	ADDQ         R13, R8
	ADDQ         R13, R9
	ADDQ         R11, R10
	DECQ         CX
	JNZ          gemm48l
	LEAQ         (DI)(R14*2), R9
	ADDQ         R14, R9       // c row i+3
	CMPQ         acc+120(FP), $0
	JEQ          gemmst3
	VADDPD       (DI), Y0, Y0
	VADDPD       32(DI), Y1, Y1
	VADDPD       (DI)(R14*1), Y2, Y2
	VADDPD       32(DI)(R14*1), Y3, Y3
	VADDPD       (DI)(R14*2), Y4, Y4
	VADDPD       32(DI)(R14*2), Y5, Y5
	VADDPD       (R9), Y6, Y6
	VADDPD       32(R9), Y7, Y7

gemmst3:
	VMOVUPD      Y0, (DI)
	VMOVUPD      Y1, 32(DI)
	VMOVUPD      Y2, (DI)(R14*1)
	VMOVUPD      Y3, 32(DI)(R14*1)
	VMOVUPD      Y4, (DI)(R14*2)
	VMOVUPD      Y5, 32(DI)(R14*2)
	VMOVUPD      Y6, (R9)
	VMOVUPD      Y7, 32(R9)
	ADDQ         $64, DI
	ADDQ         $64, DX
	SUBQ         $8, AX
	JMP          gemm48

gemm44:
	TESTQ  AX, AX
	JZ     gemmrows4done
	MOVQ   SI, R8
	LEAQ   (R8)(R12*2), R9
	ADDQ   R12, R9
	MOVQ   DX, R10
	MOVQ   p+80(FP), CX
	VXORPD Y0, Y0, Y0
	VXORPD Y2, Y2, Y2
	VXORPD Y4, Y4, Y4
	VXORPD Y6, Y6, Y6

gemm44l:
	VMOVUPD      (R10), Y8
	VBROADCASTSD (R8), Y10
	VFMADD231PD  Y8, Y10, Y0
	VBROADCASTSD (R8)(R12*1), Y11
	VFMADD231PD  Y8, Y11, Y2
	VBROADCASTSD (R8)(R12*2), Y12
	VFMADD231PD  Y8, Y12, Y4
	VBROADCASTSD (R9), Y13
	VFMADD231PD  Y8, Y13, Y6
	ADDQ         R13, R8
	ADDQ         R13, R9
	ADDQ         R11, R10
	DECQ         CX
	JNZ          gemm44l
	LEAQ         (DI)(R14*2), R9
	ADDQ         R14, R9
	CMPQ         acc+120(FP), $0
	JEQ          gemmst4
	VADDPD       (DI), Y0, Y0
	VADDPD       (DI)(R14*1), Y2, Y2
	VADDPD       (DI)(R14*2), Y4, Y4
	VADDPD       (R9), Y6, Y6

gemmst4:
	VMOVUPD      Y0, (DI)
	VMOVUPD      Y2, (DI)(R14*1)
	VMOVUPD      Y4, (DI)(R14*2)
	VMOVUPD      Y6, (R9)
	ADDQ         $32, DI
	ADDQ         $32, DX
	SUBQ         $4, AX
	JMP          gemm44

gemmrows4done:
	LEAQ (DI)(R14*2), DI       // DI advanced one row of c above; skip three more
	ADDQ R14, DI
	LEAQ (SI)(R12*4), SI
	SUBQ $4, BX
	JMP  gemmrows4

gemmrows1:
	TESTQ BX, BX
	JZ    gemmdone
	MOVQ  b_base+48(FP), DX
	MOVQ  cols+88(FP), AX

gemm116:
	CMPQ   AX, $16
	JLT    gemm18
	MOVQ   SI, R8
	MOVQ   DX, R10
	MOVQ   p+80(FP), CX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3

gemm116l:
	VBROADCASTSD (R8), Y10
	VFMADD231PD  (R10), Y10, Y0
	VFMADD231PD  32(R10), Y10, Y1
	VFMADD231PD  64(R10), Y10, Y2
	VFMADD231PD  96(R10), Y10, Y3
	ADDQ         R13, R8
	ADDQ         R11, R10
	DECQ         CX
	JNZ          gemm116l
	CMPQ         acc+120(FP), $0
	JEQ          gemmst5
	VADDPD       (DI), Y0, Y0
	VADDPD       32(DI), Y1, Y1
	VADDPD       64(DI), Y2, Y2
	VADDPD       96(DI), Y3, Y3

gemmst5:
	VMOVUPD      Y0, (DI)
	VMOVUPD      Y1, 32(DI)
	VMOVUPD      Y2, 64(DI)
	VMOVUPD      Y3, 96(DI)
	ADDQ         $128, DI
	ADDQ         $128, DX
	SUBQ         $16, AX
	JMP          gemm116

gemm18:
	CMPQ   AX, $8
	JLT    gemm14
	MOVQ   SI, R8
	MOVQ   DX, R10
	MOVQ   p+80(FP), CX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1

gemm18l:
	VBROADCASTSD (R8), Y10
	VFMADD231PD  (R10), Y10, Y0
	VFMADD231PD  32(R10), Y10, Y1
	ADDQ         R13, R8
	ADDQ         R11, R10
	DECQ         CX
	JNZ          gemm18l
	CMPQ         acc+120(FP), $0
	JEQ          gemmst6
	VADDPD       (DI), Y0, Y0
	VADDPD       32(DI), Y1, Y1

gemmst6:
	VMOVUPD      Y0, (DI)
	VMOVUPD      Y1, 32(DI)
	ADDQ         $64, DI
	ADDQ         $64, DX
	SUBQ         $8, AX
	JMP          gemm18

gemm14:
	TESTQ  AX, AX
	JZ     gemmrows1done
	MOVQ   SI, R8
	MOVQ   DX, R10
	MOVQ   p+80(FP), CX
	VXORPD Y0, Y0, Y0

gemm14l:
	VBROADCASTSD (R8), Y10
	VFMADD231PD  (R10), Y10, Y0
	ADDQ         R13, R8
	ADDQ         R11, R10
	DECQ         CX
	JNZ          gemm14l
	CMPQ         acc+120(FP), $0
	JEQ          gemmst7
	VADDPD       (DI), Y0, Y0

gemmst7:
	VMOVUPD      Y0, (DI)
	ADDQ         $32, DI
	ADDQ         $32, DX
	SUBQ         $4, AX
	JMP          gemm14

gemmrows1done:
	ADDQ R12, SI
	DECQ BX
	JMP  gemmrows1

gemmdone:
	VZEROUPPER
	RET

// func sumSquaresAVX2(x []float64) float64
//
// Σ x[i]² over i < len(x)&^15, in four vector accumulators.
TEXT ·sumSquaresAVX2(SB), NOSPLIT, $0-32
	MOVQ   x_base+0(FP), SI
	MOVQ   x_len+8(FP), CX
	SHRQ   $4, CX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	TESTQ  CX, CX
	JZ     sumsqdone

sumsqloop:
	VMOVUPD     (SI), Y4
	VMOVUPD     32(SI), Y5
	VMOVUPD     64(SI), Y6
	VMOVUPD     96(SI), Y7
	VFMADD231PD Y4, Y4, Y0
	VFMADD231PD Y5, Y5, Y1
	VFMADD231PD Y6, Y6, Y2
	VFMADD231PD Y7, Y7, Y3
	ADDQ        $128, SI
	DECQ        CX
	JNZ         sumsqloop

sumsqdone:
	VADDPD Y1, Y0, Y0
	VADDPD Y3, Y2, Y2
	VADDPD Y2, Y0, Y0
	HSUM1(Y0, X0, X1)
	VMOVSD X0, ret+24(FP)
	VZEROUPPER
	RET

// func scaleAVX2(x []float64, c float64)
//
// x[i] *= c for i < len(x)&^3.
TEXT ·scaleAVX2(SB), NOSPLIT, $0-32
	MOVQ         x_base+0(FP), SI
	MOVQ         x_len+8(FP), CX
	SHRQ         $2, CX
	JZ           scaledone
	VBROADCASTSD c+24(FP), Y1

scaleloop:
	VMULPD  (SI), Y1, Y0
	VMOVUPD Y0, (SI)
	ADDQ    $32, SI
	DECQ    CX
	JNZ     scaleloop
	VZEROUPPER

scaledone:
	RET

// func rmspropAVX2(params, grads, sq []float64, alpha, beta, lr, eps float64)
//
// For i < len(sq)&^3: sq = alpha·sq + beta·g·g; params -= lr·g/(√sq + eps), with the
// same operations (no fused multiply-adds) and so the same bits as RMSprop's Go loop.
TEXT ·rmspropAVX2(SB), NOSPLIT, $0-104
	MOVQ         params_base+0(FP), DI
	MOVQ         grads_base+24(FP), SI
	MOVQ         sq_base+48(FP), DX
	MOVQ         sq_len+56(FP), CX
	SHRQ         $2, CX
	JZ           rmsdone
	VBROADCASTSD alpha+72(FP), Y12
	VBROADCASTSD beta+80(FP), Y13
	VBROADCASTSD lr+88(FP), Y14
	VBROADCASTSD eps+96(FP), Y15

rmsloop:
	VMOVUPD (SI), Y0         // g
	VMULPD  (DX), Y12, Y1    // alpha·sq
	VMULPD  Y0, Y13, Y2      // beta·g
	VMULPD  Y0, Y2, Y2       // beta·g·g
	VADDPD  Y2, Y1, Y1       // new sq
	VMOVUPD Y1, (DX)
	VSQRTPD Y1, Y1
	VADDPD  Y15, Y1, Y1      // √sq + eps
	VMULPD  Y0, Y14, Y3      // lr·g
	VDIVPD  Y1, Y3, Y3
	VMOVUPD (DI), Y4
	VSUBPD  Y3, Y4, Y4
	VMOVUPD Y4, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	ADDQ    $32, DX
	DECQ    CX
	JNZ     rmsloop
	VZEROUPPER

rmsdone:
	RET

// func tanhGradAVX2(d, y []float64)
//
// d[i] *= 1 - y[i]·y[i] for i < len(d)&^3 (the same operations as the Go loop).
TEXT ·tanhGradAVX2(SB), NOSPLIT, $0-48
	MOVQ         d_base+0(FP), DI
	MOVQ         y_base+24(FP), SI
	MOVQ         d_len+8(FP), CX
	SHRQ         $2, CX
	JZ           tgdone
	VBROADCASTSD tanhc<>+192(SB), Y15 // 1

tgloop:
	VMOVUPD (SI), Y0
	VMULPD  Y0, Y0, Y0
	VSUBPD  Y0, Y15, Y0
	VMULPD  (DI), Y0, Y0
	VMOVUPD Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	DECQ    CX
	JNZ     tgloop
	VZEROUPPER

tgdone:
	RET

// func fwdIn4AVX2(y, x, w, b []float64, n, out int)
//
// linearForward for in = 4 (small observation vectors, e.g. CartPole's): the
// dot-product tiles would spend most of their time in horizontal sums. Instead each
// block of 4 outputs transposes its 4×4 block of w once and then computes every row
// as b + x0·w[:,0] + x1·w[:,1] + x2·w[:,2] + x3·w[:,3] with broadcasts. The last
// out%4 outputs use one dot product per row.
TEXT ·fwdIn4AVX2(SB), NOSPLIT, $0-112
	MOVQ y_base+0(FP), DI
	MOVQ w_base+48(FP), DX
	MOVQ b_base+72(FP), BX
	MOVQ out+104(FP), AX
	MOVQ AX, R14
	SHLQ $3, R14               // row stride of y in bytes

in4blk:
	CMPQ       AX, $4
	JLT        in4tail
	VMOVUPD    (DX), Y0
	VMOVUPD    32(DX), Y1
	VMOVUPD    64(DX), Y2
	VMOVUPD    96(DX), Y3
	VUNPCKLPD  Y1, Y0, Y8      // [w00 w10 w02 w12]
	VUNPCKHPD  Y1, Y0, Y9      // [w01 w11 w03 w13]
	VUNPCKLPD  Y3, Y2, Y10     // [w20 w30 w22 w32]
	VUNPCKHPD  Y3, Y2, Y11     // [w21 w31 w23 w33]
	VPERM2F128 $0x20, Y10, Y8, Y4 // column 0 of the block
	VPERM2F128 $0x20, Y11, Y9, Y5 // column 1
	VPERM2F128 $0x31, Y10, Y8, Y6 // column 2
	VPERM2F128 $0x31, Y11, Y9, Y7 // column 3
	VMOVUPD    (BX), Y8
	MOVQ       x_base+24(FP), SI
	MOVQ       n+96(FP), CX
	MOVQ       DI, R8

in4row:
	VBROADCASTSD (SI), Y9
	VMOVAPD      Y8, Y13
	VFMADD231PD  Y4, Y9, Y13
	VBROADCASTSD 8(SI), Y10
	VFMADD231PD  Y5, Y10, Y13
	VBROADCASTSD 16(SI), Y11
	VFMADD231PD  Y6, Y11, Y13
	VBROADCASTSD 24(SI), Y12
	VFMADD231PD  Y7, Y12, Y13
	VMOVUPD      Y13, (R8)
	ADDQ         $32, SI
	ADDQ         R14, R8
	DECQ         CX
	JNZ          in4row
	ADDQ         $128, DX
	ADDQ         $32, BX
	ADDQ         $32, DI
	SUBQ         $4, AX
	JMP          in4blk

in4tail:
	TESTQ   AX, AX
	JZ      in4done
	VMOVUPD (DX), Y4
	MOVQ    x_base+24(FP), SI
	MOVQ    n+96(FP), CX
	MOVQ    DI, R8

in4tailrow:
	VMULPD  (SI), Y4, Y0
	HSUM1(Y0, X0, X1)
	VADDSD  (BX), X0, X0
	VMOVSD  X0, (R8)
	ADDQ    $32, SI
	ADDQ    R14, R8
	DECQ    CX
	JNZ     in4tailrow
	ADDQ    $32, DX
	ADDQ    $8, BX
	ADDQ    $8, DI
	DECQ    AX
	JMP     in4tail

in4done:
	VZEROUPPER
	RET
