//go:build !purego

#include "textflag.h"

// The kernels of simd.go. Constants are vectors of eight equal float32s,
// the polynomial coefficients those of toolkit/ad's exp32, log1p01 and
// tanh32 rounded to float32 as the Go compiler rounds them there.

// EXP8 sets Y6 = exp(Y0) for Y0 in (-87, 88), as exp32: k = round(x·log2 e),
// r = x − k·ln2hi − k·ln2lo, exp x = 2^k·(1 + r + r²·p(r)). Clobbers Y3, Y4,
// Y5, Y7.
#define EXP8 \
	VMULPS       clog2e<>(SB), Y0, Y3    ; \
	VROUNDPS     $0, Y3, Y3              ; \
	VMOVAPS      Y0, Y4                  ; \
	VFNMADD231PS cln2hi<>(SB), Y3, Y4    ; \
	VFNMADD231PS cln2lo<>(SB), Y3, Y4    ; \
	VMULPS       Y4, Y4, Y5              ; \
	VMOVUPS      ce0<>(SB), Y6           ; \
	VFMADD213PS  ce1<>(SB), Y4, Y6       ; \
	VFMADD213PS  ce2<>(SB), Y4, Y6       ; \
	VFMADD213PS  ce3<>(SB), Y4, Y6       ; \
	VFMADD213PS  ce4<>(SB), Y4, Y6       ; \
	VFMADD213PS  ce5<>(SB), Y4, Y6       ; \
	VFMADD213PS  Y4, Y5, Y6              ; \
	VADDPS       cone<>(SB), Y6, Y6      ; \
	VCVTPS2DQ    Y3, Y7                  ; \
	VPADDD       cbias<>(SB), Y7, Y7     ; \
	VPSLLD       $23, Y7, Y7             ; \
	VMULPS       Y7, Y6, Y6

// func Exp32(dst, src []float32) int
TEXT ·Exp32(SB), NOSPLIT, $0-56
	MOVQ dst_base+0(FP), DI
	MOVQ src_base+24(FP), SI
	MOVQ src_len+32(FP), CX
	XORQ AX, AX

exploop:
	MOVQ CX, DX
	SUBQ AX, DX
	CMPQ DX, $8
	JLT  expdone
	VMOVUPS   (SI)(AX*4), Y0
	VCMPPS    $0x1e, cexplo<>(SB), Y0, Y1 // x > −87 (false for NaN)
	VCMPPS    $0x11, cexphi<>(SB), Y0, Y2 // x < 88
	VANDPS    Y1, Y2, Y1
	VMOVMSKPS Y1, DX
	CMPQ      DX, $0xff
	JNE       expdone
	EXP8
	VMOVUPS   Y6, (DI)(AX*4)
	ADDQ      $8, AX
	JMP       exploop

expdone:
	VZEROUPPER
	MOVQ AX, ret+48(FP)
	RET

// func BCE32(z, sig, x, t []float32, sign float32) int
//
// z = sign·(max(x, 0) − x·t + log(1 + e^−|x|)) and, unless sig is nil,
// sig = σ(x), for finite x.
TEXT ·BCE32(SB), NOSPLIT, $0-112
	MOVQ         z_base+0(FP), DI
	MOVQ         sig_base+24(FP), R8
	MOVQ         x_base+48(FP), SI
	MOVQ         x_len+56(FP), CX
	MOVQ         t_base+72(FP), R9
	VBROADCASTSS sign+96(FP), Y15
	VXORPS       Y14, Y14, Y14 // zero
	XORQ         AX, AX

bceloop:
	MOVQ      CX, DX
	SUBQ      AX, DX
	CMPQ      DX, $8
	JLT       bcedone
	VMOVUPS   (SI)(AX*4), Y8 // v
	VSUBPS    Y8, Y8, Y1
	VCMPPS    $0, Y14, Y1, Y1 // v − v == 0: finite
	VMOVMSKPS Y1, DX
	CMPQ      DX, $0xff
	JNE       bcedone

	// e = exp(max(−|v|, −87)); below −87 e is a tiny normal number instead
	// of a subnormal or zero, which changes nothing a float32 can hold.
	VORPS  csign<>(SB), Y8, Y0
	VMAXPS cexplo<>(SB), Y0, Y0
	EXP8
	VMOVAPS Y6, Y9 // e

	// log(1 + e) = k·ln 2 + log(1 + u), u = e or (e − 1)/2 where e > √2 − 1.
	VCMPPS      $0x1e, csqrt2m1<>(SB), Y9, Y10 // m = e > √2 − 1
	VSUBPS      cone<>(SB), Y9, Y1
	VMULPS      chalf<>(SB), Y1, Y1
	VBLENDVPS   Y10, Y1, Y9, Y11 // u
	VANDPS      cone<>(SB), Y10, Y12 // k
	VMULPS      Y11, Y11, Y13 // u²
	VMOVUPS     cl0<>(SB), Y2
	VFMADD213PS cl1<>(SB), Y11, Y2
	VFMADD213PS cl2<>(SB), Y11, Y2
	VFMADD213PS cl3<>(SB), Y11, Y2
	VFMADD213PS cl4<>(SB), Y11, Y2
	VFMADD213PS cl5<>(SB), Y11, Y2
	VFMADD213PS cl6<>(SB), Y11, Y2
	VFMADD213PS cl7<>(SB), Y11, Y2
	VFMADD213PS cl8<>(SB), Y11, Y2
	VMULPS      Y11, Y2, Y2 // q·u
	VMULPS      Y13, Y2, Y2 // q·u·u²
	VMULPS      chalf<>(SB), Y13, Y3
	VSUBPS      Y3, Y2, Y2 // y = q·u³ − u²/2
	VFMADD231PS cln2lo<>(SB), Y12, Y2 // y + k·ln2lo
	VADDPS      Y11, Y2, Y2 // u + (y + k·ln2lo)
	VFMADD231PS cln2hi<>(SB), Y12, Y2 // + k·ln2hi

	// z = sign·(max(v, 0) − v·t + log(1 + e))
	VMOVUPS      (R9)(AX*4), Y3 // t
	VMAXPS       Y14, Y8, Y4
	VFNMADD231PS Y3, Y8, Y4 // max(v, 0) − v·t
	VADDPS       Y2, Y4, Y4
	VMULPS       Y15, Y4, Y4
	VMOVUPS      Y4, (DI)(AX*4)

	TESTQ R8, R8
	JZ    bcenext
	// σ(v) = 1/(1 + e) for v ≥ 0, e/(1 + e) for v < 0.
	VADDPS    cone<>(SB), Y9, Y5
	VMOVUPS   cone<>(SB), Y6
	VDIVPS    Y5, Y6, Y6
	VMULPS    Y9, Y6, Y7
	VCMPPS    $0x11, Y14, Y8, Y10 // v < 0
	VBLENDVPS Y10, Y7, Y6, Y6
	VMOVUPS   Y6, (R8)(AX*4)

bcenext:
	ADDQ $8, AX
	JMP  bceloop

bcedone:
	VZEROUPPER
	MOVQ AX, ret+104(FP)
	RET

// func Tanh32(dst, src []float32) int
//
// As tanh32: an odd polynomial below 0.625, 1 − 2/(e^{2|x|} + 1) up to 9,
// ±1 beyond, the sign restored from x.
TEXT ·Tanh32(SB), NOSPLIT, $0-56
	MOVQ dst_base+0(FP), DI
	MOVQ src_base+24(FP), SI
	MOVQ src_len+32(FP), CX
	XORQ AX, AX

tanhloop:
	MOVQ      CX, DX
	SUBQ      AX, DX
	CMPQ      DX, $8
	JLT       tanhdone
	VMOVUPS   (SI)(AX*4), Y8 // x
	VCMPPS    $0, Y8, Y8, Y1 // x == x: not NaN
	VMOVMSKPS Y1, DX
	CMPQ      DX, $0xff
	JNE       tanhdone

	VANDPS      cabs<>(SB), Y8, Y9 // a = |x|
	VMULPS      Y8, Y8, Y10 // x²
	VMOVUPS     ct0<>(SB), Y11
	VFMADD213PS ct1<>(SB), Y10, Y11
	VFMADD213PS ct2<>(SB), Y10, Y11
	VFMADD213PS ct3<>(SB), Y10, Y11
	VFMADD213PS ct4<>(SB), Y10, Y11
	VMULPS      Y10, Y11, Y11
	VFMADD213PS Y8, Y8, Y11 // p(x²)·x²·x + x

	VMINPS    ctbig<>(SB), Y9, Y0
	VADDPS    Y0, Y0, Y0 // 2·min(a, 9), inside exp's range
	EXP8
	VADDPS    cone<>(SB), Y6, Y6
	VMOVUPS   ctwo<>(SB), Y7
	VDIVPS    Y6, Y7, Y7
	VMOVUPS   cone<>(SB), Y12
	VSUBPS    Y7, Y12, Y7 // 1 − 2/(e^{2a} + 1)
	VCMPPS    $0x1e, ctbig<>(SB), Y9, Y13 // a > 9
	VBLENDVPS Y13, Y12, Y7, Y7
	VANDPS    csign<>(SB), Y8, Y13
	VORPS     Y13, Y7, Y7 // sign of x

	VCMPPS    $0x11, ctsmall<>(SB), Y9, Y13 // a < 0.625
	VBLENDVPS Y13, Y11, Y7, Y7
	VMOVUPS   Y7, (DI)(AX*4)
	ADDQ      $8, AX
	JMP       tanhloop

tanhdone:
	VZEROUPPER
	MOVQ AX, ret+48(FP)
	RET


// func Adam32(d, g, m, v []float32, c *AdamConsts) int
//
// The moments' updates and the step in the scalar loop's order of
// operations, without fused multiply-adds, so that the results are the
// scalar loop's to the bit.
TEXT ·Adam32(SB), NOSPLIT, $0-112
	MOVQ         d_base+0(FP), DI
	MOVQ         g_base+24(FP), SI
	MOVQ         g_len+32(FP), CX
	MOVQ         m_base+48(FP), R8
	MOVQ         v_base+72(FP), R9
	MOVQ         c+96(FP), R10
	VBROADCASTSS 0(R10), Y8  // step
	VBROADCASTSS 4(R10), Y9  // β1
	VBROADCASTSS 8(R10), Y10 // β2
	VBROADCASTSS 12(R10), Y11 // 1 − β1
	VBROADCASTSS 16(R10), Y12 // 1 − β2
	VBROADCASTSS 20(R10), Y13 // ε
	VBROADCASTSS 24(R10), Y14 // 1/bias correction of the second moment
	XORQ         AX, AX

adamloop:
	MOVQ    CX, DX
	SUBQ    AX, DX
	CMPQ    DX, $8
	JLT     adamdone
	VMOVUPS (SI)(AX*4), Y0 // g
	VMULPS  (R8)(AX*4), Y9, Y1
	VMULPS  Y0, Y11, Y2
	VADDPS  Y2, Y1, Y1 // m = β1·m + (1 − β1)·g
	VMULPS  (R9)(AX*4), Y10, Y3
	VMULPS  Y0, Y12, Y4
	VMULPS  Y0, Y4, Y4
	VADDPS  Y4, Y3, Y3 // v = β2·v + (1 − β2)·g·g
	VMOVUPS Y1, (R8)(AX*4)
	VMOVUPS Y3, (R9)(AX*4)
	VSQRTPS Y3, Y5
	VMULPS  Y14, Y5, Y5
	VADDPS  Y13, Y5, Y5 // √v/bc2 + ε
	VMULPS  Y1, Y8, Y6
	VDIVPS  Y5, Y6, Y6 // step·m / (…)
	VMOVUPS (DI)(AX*4), Y7
	VSUBPS  Y6, Y7, Y7
	VMOVUPS Y7, (DI)(AX*4)
	ADDQ    $8, AX
	JMP     adamloop

adamdone:
	VZEROUPPER
	MOVQ AX, ret+104(FP)
	RET

// func Finite32(x []float32) int
//
// A lane is not finite when its exponent bits are all set (±Inf, NaN).
TEXT ·Finite32(SB), NOSPLIT, $0-32
	MOVQ         x_base+0(FP), SI
	MOVQ         x_len+8(FP), CX
	MOVL         $0x7f800000, DX
	VMOVD        DX, X1
	VPBROADCASTD X1, Y1
	XORQ         AX, AX

fin32loop:
	MOVQ     CX, DX
	SUBQ     AX, DX
	CMPQ     DX, $8
	JLT      fin32done
	VPAND    (SI)(AX*4), Y1, Y0
	VPCMPEQD Y1, Y0, Y0
	VPTEST   Y0, Y0
	JNZ      fin32done
	ADDQ     $8, AX
	JMP      fin32loop

fin32done:
	VZEROUPPER
	MOVQ AX, ret+24(FP)
	RET

// func Finite64(x []float64) int
TEXT ·Finite64(SB), NOSPLIT, $0-32
	MOVQ         x_base+0(FP), SI
	MOVQ         x_len+8(FP), CX
	MOVQ         $0x7ff0000000000000, DX
	VMOVQ        DX, X1
	VPBROADCASTQ X1, Y1
	XORQ         AX, AX

fin64loop:
	MOVQ     CX, DX
	SUBQ     AX, DX
	CMPQ     DX, $4
	JLT      fin64done
	VPAND    (SI)(AX*8), Y1, Y0
	VPCMPEQQ Y1, Y0, Y0
	VPTEST   Y0, Y0
	JNZ      fin64done
	ADDQ     $4, AX
	JMP      fin64loop

fin64done:
	VZEROUPPER
	MOVQ AX, ret+24(FP)
	RET

// func SGD32(d, g, b []float32, c *SGDConsts) int
//
// Without momentum (b empty): d −= LR·g. With it: b = Mu·b + g + WD·d,
// then d −= LR·b. In the scalar loops' order of operations, without fused
// multiply-adds.
TEXT ·SGD32(SB), NOSPLIT, $0-88
	MOVQ         d_base+0(FP), DI
	MOVQ         g_base+24(FP), SI
	MOVQ         g_len+32(FP), CX
	MOVQ         b_base+48(FP), R8
	MOVQ         b_len+56(FP), R9
	MOVQ         c+72(FP), R10
	VBROADCASTSS 0(R10), Y8  // LR
	VBROADCASTSS 4(R10), Y9  // Mu
	VBROADCASTSS 8(R10), Y10 // WD
	XORQ         AX, AX
	TESTQ        R9, R9
	JNZ          sgdmloop

sgdloop:
	MOVQ    CX, DX
	SUBQ    AX, DX
	CMPQ    DX, $8
	JLT     sgddone
	VMULPS  (SI)(AX*4), Y8, Y0
	VMOVUPS (DI)(AX*4), Y1
	VSUBPS  Y0, Y1, Y1
	VMOVUPS Y1, (DI)(AX*4)
	ADDQ    $8, AX
	JMP     sgdloop

sgdmloop:
	MOVQ    CX, DX
	SUBQ    AX, DX
	CMPQ    DX, $8
	JLT     sgddone
	VMOVUPS (DI)(AX*4), Y1     // d
	VMULPS  (R8)(AX*4), Y9, Y0 // Mu·b
	VADDPS  (SI)(AX*4), Y0, Y0 // + g
	VMULPS  Y1, Y10, Y2
	VADDPS  Y2, Y0, Y0         // + WD·d
	VMOVUPS Y0, (R8)(AX*4)
	VMULPS  Y0, Y8, Y0
	VSUBPS  Y0, Y1, Y1
	VMOVUPS Y1, (DI)(AX*4)
	ADDQ    $8, AX
	JMP     sgdmloop

sgddone:
	VZEROUPPER
	MOVQ AX, ret+80(FP)
	RET

// func Exp64(dst, src []float64) int
//
// exp x = 2^k·e^r, k = round(x·log2 e) by the 1.5·2⁵² trick (which also
// leaves k in the low bits, for the exponent), r = x − k·ln2hi − k·ln2lo,
// e^r by its Taylor polynomial to degree 13 (|r| ≤ ln 2/2: truncation below
// 10⁻¹⁷).
TEXT ·Exp64(SB), NOSPLIT, $0-56
	MOVQ dst_base+0(FP), DI
	MOVQ src_base+24(FP), SI
	MOVQ src_len+32(FP), CX
	XORQ AX, AX

exp64loop:
	MOVQ      CX, DX
	SUBQ      AX, DX
	CMPQ      DX, $4
	JLT       exp64done
	VMOVUPD   (SI)(AX*8), Y0
	VCMPPD    $0x1e, cdexplo<>(SB), Y0, Y1 // x > −708 (false for NaN)
	VCMPPD    $0x11, cdexphi<>(SB), Y0, Y2 // x < 709
	VANDPD    Y1, Y2, Y1
	VMOVMSKPD Y1, DX
	CMPQ      DX, $0xf
	JNE       exp64done

	VMOVUPD      cdmagic<>(SB), Y3
	VFMADD231PD  cdlog2e<>(SB), Y0, Y3 // x·log2 e + 1.5·2⁵², rounded to an integer
	VSUBPD       cdmagic<>(SB), Y3, Y4 // k
	VMOVAPD      Y0, Y5
	VFNMADD231PD cdln2hi<>(SB), Y4, Y5
	VFNMADD231PD cdln2lo<>(SB), Y4, Y5 // r
	VMOVUPD      cdt13<>(SB), Y6
	VFMADD213PD cdt12<>(SB), Y5, Y6
	VFMADD213PD cdt11<>(SB), Y5, Y6
	VFMADD213PD cdt10<>(SB), Y5, Y6
	VFMADD213PD cdt9<>(SB), Y5, Y6
	VFMADD213PD cdt8<>(SB), Y5, Y6
	VFMADD213PD cdt7<>(SB), Y5, Y6
	VFMADD213PD cdt6<>(SB), Y5, Y6
	VFMADD213PD cdt5<>(SB), Y5, Y6
	VFMADD213PD cdt4<>(SB), Y5, Y6
	VFMADD213PD cdt3<>(SB), Y5, Y6
	VFMADD213PD cdt2<>(SB), Y5, Y6
	VFMADD213PD cdt1<>(SB), Y5, Y6
	VFMADD213PD cdt0<>(SB), Y5, Y6
	VPADDQ       cdbias<>(SB), Y3, Y3
	VPSLLQ       $52, Y3, Y3 // 2^k
	VMULPD       Y3, Y6, Y6
	VMOVUPD      Y6, (DI)(AX*8)
	ADDQ         $4, AX
	JMP          exp64loop

exp64done:
	VZEROUPPER
	MOVQ AX, ret+48(FP)
	RET

DATA clog2e<>+0(SB)/4, $0x3fb8aa3b
DATA clog2e<>+4(SB)/4, $0x3fb8aa3b
DATA clog2e<>+8(SB)/4, $0x3fb8aa3b
DATA clog2e<>+12(SB)/4, $0x3fb8aa3b
DATA clog2e<>+16(SB)/4, $0x3fb8aa3b
DATA clog2e<>+20(SB)/4, $0x3fb8aa3b
DATA clog2e<>+24(SB)/4, $0x3fb8aa3b
DATA clog2e<>+28(SB)/4, $0x3fb8aa3b
GLOBL clog2e<>(SB), RODATA|NOPTR, $32

DATA cln2hi<>+0(SB)/4, $0x3f318000
DATA cln2hi<>+4(SB)/4, $0x3f318000
DATA cln2hi<>+8(SB)/4, $0x3f318000
DATA cln2hi<>+12(SB)/4, $0x3f318000
DATA cln2hi<>+16(SB)/4, $0x3f318000
DATA cln2hi<>+20(SB)/4, $0x3f318000
DATA cln2hi<>+24(SB)/4, $0x3f318000
DATA cln2hi<>+28(SB)/4, $0x3f318000
GLOBL cln2hi<>(SB), RODATA|NOPTR, $32

DATA cln2lo<>+0(SB)/4, $0xb95e8083
DATA cln2lo<>+4(SB)/4, $0xb95e8083
DATA cln2lo<>+8(SB)/4, $0xb95e8083
DATA cln2lo<>+12(SB)/4, $0xb95e8083
DATA cln2lo<>+16(SB)/4, $0xb95e8083
DATA cln2lo<>+20(SB)/4, $0xb95e8083
DATA cln2lo<>+24(SB)/4, $0xb95e8083
DATA cln2lo<>+28(SB)/4, $0xb95e8083
GLOBL cln2lo<>(SB), RODATA|NOPTR, $32

DATA cexplo<>+0(SB)/4, $0xc2ae0000
DATA cexplo<>+4(SB)/4, $0xc2ae0000
DATA cexplo<>+8(SB)/4, $0xc2ae0000
DATA cexplo<>+12(SB)/4, $0xc2ae0000
DATA cexplo<>+16(SB)/4, $0xc2ae0000
DATA cexplo<>+20(SB)/4, $0xc2ae0000
DATA cexplo<>+24(SB)/4, $0xc2ae0000
DATA cexplo<>+28(SB)/4, $0xc2ae0000
GLOBL cexplo<>(SB), RODATA|NOPTR, $32

DATA cexphi<>+0(SB)/4, $0x42b00000
DATA cexphi<>+4(SB)/4, $0x42b00000
DATA cexphi<>+8(SB)/4, $0x42b00000
DATA cexphi<>+12(SB)/4, $0x42b00000
DATA cexphi<>+16(SB)/4, $0x42b00000
DATA cexphi<>+20(SB)/4, $0x42b00000
DATA cexphi<>+24(SB)/4, $0x42b00000
DATA cexphi<>+28(SB)/4, $0x42b00000
GLOBL cexphi<>(SB), RODATA|NOPTR, $32

DATA cone<>+0(SB)/4, $0x3f800000
DATA cone<>+4(SB)/4, $0x3f800000
DATA cone<>+8(SB)/4, $0x3f800000
DATA cone<>+12(SB)/4, $0x3f800000
DATA cone<>+16(SB)/4, $0x3f800000
DATA cone<>+20(SB)/4, $0x3f800000
DATA cone<>+24(SB)/4, $0x3f800000
DATA cone<>+28(SB)/4, $0x3f800000
GLOBL cone<>(SB), RODATA|NOPTR, $32

DATA chalf<>+0(SB)/4, $0x3f000000
DATA chalf<>+4(SB)/4, $0x3f000000
DATA chalf<>+8(SB)/4, $0x3f000000
DATA chalf<>+12(SB)/4, $0x3f000000
DATA chalf<>+16(SB)/4, $0x3f000000
DATA chalf<>+20(SB)/4, $0x3f000000
DATA chalf<>+24(SB)/4, $0x3f000000
DATA chalf<>+28(SB)/4, $0x3f000000
GLOBL chalf<>(SB), RODATA|NOPTR, $32

DATA csqrt2m1<>+0(SB)/4, $0x3ed413cd
DATA csqrt2m1<>+4(SB)/4, $0x3ed413cd
DATA csqrt2m1<>+8(SB)/4, $0x3ed413cd
DATA csqrt2m1<>+12(SB)/4, $0x3ed413cd
DATA csqrt2m1<>+16(SB)/4, $0x3ed413cd
DATA csqrt2m1<>+20(SB)/4, $0x3ed413cd
DATA csqrt2m1<>+24(SB)/4, $0x3ed413cd
DATA csqrt2m1<>+28(SB)/4, $0x3ed413cd
GLOBL csqrt2m1<>(SB), RODATA|NOPTR, $32

DATA ce0<>+0(SB)/4, $0x39506967
DATA ce0<>+4(SB)/4, $0x39506967
DATA ce0<>+8(SB)/4, $0x39506967
DATA ce0<>+12(SB)/4, $0x39506967
DATA ce0<>+16(SB)/4, $0x39506967
DATA ce0<>+20(SB)/4, $0x39506967
DATA ce0<>+24(SB)/4, $0x39506967
DATA ce0<>+28(SB)/4, $0x39506967
GLOBL ce0<>(SB), RODATA|NOPTR, $32

DATA ce1<>+0(SB)/4, $0x3ab743ce
DATA ce1<>+4(SB)/4, $0x3ab743ce
DATA ce1<>+8(SB)/4, $0x3ab743ce
DATA ce1<>+12(SB)/4, $0x3ab743ce
DATA ce1<>+16(SB)/4, $0x3ab743ce
DATA ce1<>+20(SB)/4, $0x3ab743ce
DATA ce1<>+24(SB)/4, $0x3ab743ce
DATA ce1<>+28(SB)/4, $0x3ab743ce
GLOBL ce1<>(SB), RODATA|NOPTR, $32

DATA ce2<>+0(SB)/4, $0x3c088908
DATA ce2<>+4(SB)/4, $0x3c088908
DATA ce2<>+8(SB)/4, $0x3c088908
DATA ce2<>+12(SB)/4, $0x3c088908
DATA ce2<>+16(SB)/4, $0x3c088908
DATA ce2<>+20(SB)/4, $0x3c088908
DATA ce2<>+24(SB)/4, $0x3c088908
DATA ce2<>+28(SB)/4, $0x3c088908
GLOBL ce2<>(SB), RODATA|NOPTR, $32

DATA ce3<>+0(SB)/4, $0x3d2aa9c1
DATA ce3<>+4(SB)/4, $0x3d2aa9c1
DATA ce3<>+8(SB)/4, $0x3d2aa9c1
DATA ce3<>+12(SB)/4, $0x3d2aa9c1
DATA ce3<>+16(SB)/4, $0x3d2aa9c1
DATA ce3<>+20(SB)/4, $0x3d2aa9c1
DATA ce3<>+24(SB)/4, $0x3d2aa9c1
DATA ce3<>+28(SB)/4, $0x3d2aa9c1
GLOBL ce3<>(SB), RODATA|NOPTR, $32

DATA ce4<>+0(SB)/4, $0x3e2aaaaa
DATA ce4<>+4(SB)/4, $0x3e2aaaaa
DATA ce4<>+8(SB)/4, $0x3e2aaaaa
DATA ce4<>+12(SB)/4, $0x3e2aaaaa
DATA ce4<>+16(SB)/4, $0x3e2aaaaa
DATA ce4<>+20(SB)/4, $0x3e2aaaaa
DATA ce4<>+24(SB)/4, $0x3e2aaaaa
DATA ce4<>+28(SB)/4, $0x3e2aaaaa
GLOBL ce4<>(SB), RODATA|NOPTR, $32

DATA ce5<>+0(SB)/4, $0x3f000000
DATA ce5<>+4(SB)/4, $0x3f000000
DATA ce5<>+8(SB)/4, $0x3f000000
DATA ce5<>+12(SB)/4, $0x3f000000
DATA ce5<>+16(SB)/4, $0x3f000000
DATA ce5<>+20(SB)/4, $0x3f000000
DATA ce5<>+24(SB)/4, $0x3f000000
DATA ce5<>+28(SB)/4, $0x3f000000
GLOBL ce5<>(SB), RODATA|NOPTR, $32

DATA cl0<>+0(SB)/4, $0x3d9021bb
DATA cl0<>+4(SB)/4, $0x3d9021bb
DATA cl0<>+8(SB)/4, $0x3d9021bb
DATA cl0<>+12(SB)/4, $0x3d9021bb
DATA cl0<>+16(SB)/4, $0x3d9021bb
DATA cl0<>+20(SB)/4, $0x3d9021bb
DATA cl0<>+24(SB)/4, $0x3d9021bb
DATA cl0<>+28(SB)/4, $0x3d9021bb
GLOBL cl0<>(SB), RODATA|NOPTR, $32

DATA cl1<>+0(SB)/4, $0xbdebd1b8
DATA cl1<>+4(SB)/4, $0xbdebd1b8
DATA cl1<>+8(SB)/4, $0xbdebd1b8
DATA cl1<>+12(SB)/4, $0xbdebd1b8
DATA cl1<>+16(SB)/4, $0xbdebd1b8
DATA cl1<>+20(SB)/4, $0xbdebd1b8
DATA cl1<>+24(SB)/4, $0xbdebd1b8
DATA cl1<>+28(SB)/4, $0xbdebd1b8
GLOBL cl1<>(SB), RODATA|NOPTR, $32

DATA cl2<>+0(SB)/4, $0x3def251a
DATA cl2<>+4(SB)/4, $0x3def251a
DATA cl2<>+8(SB)/4, $0x3def251a
DATA cl2<>+12(SB)/4, $0x3def251a
DATA cl2<>+16(SB)/4, $0x3def251a
DATA cl2<>+20(SB)/4, $0x3def251a
DATA cl2<>+24(SB)/4, $0x3def251a
DATA cl2<>+28(SB)/4, $0x3def251a
GLOBL cl2<>(SB), RODATA|NOPTR, $32

DATA cl3<>+0(SB)/4, $0xbdfe5d4f
DATA cl3<>+4(SB)/4, $0xbdfe5d4f
DATA cl3<>+8(SB)/4, $0xbdfe5d4f
DATA cl3<>+12(SB)/4, $0xbdfe5d4f
DATA cl3<>+16(SB)/4, $0xbdfe5d4f
DATA cl3<>+20(SB)/4, $0xbdfe5d4f
DATA cl3<>+24(SB)/4, $0xbdfe5d4f
DATA cl3<>+28(SB)/4, $0xbdfe5d4f
GLOBL cl3<>(SB), RODATA|NOPTR, $32

DATA cl4<>+0(SB)/4, $0x3e11e9bf
DATA cl4<>+4(SB)/4, $0x3e11e9bf
DATA cl4<>+8(SB)/4, $0x3e11e9bf
DATA cl4<>+12(SB)/4, $0x3e11e9bf
DATA cl4<>+16(SB)/4, $0x3e11e9bf
DATA cl4<>+20(SB)/4, $0x3e11e9bf
DATA cl4<>+24(SB)/4, $0x3e11e9bf
DATA cl4<>+28(SB)/4, $0x3e11e9bf
GLOBL cl4<>(SB), RODATA|NOPTR, $32

DATA cl5<>+0(SB)/4, $0xbe2aae50
DATA cl5<>+4(SB)/4, $0xbe2aae50
DATA cl5<>+8(SB)/4, $0xbe2aae50
DATA cl5<>+12(SB)/4, $0xbe2aae50
DATA cl5<>+16(SB)/4, $0xbe2aae50
DATA cl5<>+20(SB)/4, $0xbe2aae50
DATA cl5<>+24(SB)/4, $0xbe2aae50
DATA cl5<>+28(SB)/4, $0xbe2aae50
GLOBL cl5<>(SB), RODATA|NOPTR, $32

DATA cl6<>+0(SB)/4, $0x3e4cceac
DATA cl6<>+4(SB)/4, $0x3e4cceac
DATA cl6<>+8(SB)/4, $0x3e4cceac
DATA cl6<>+12(SB)/4, $0x3e4cceac
DATA cl6<>+16(SB)/4, $0x3e4cceac
DATA cl6<>+20(SB)/4, $0x3e4cceac
DATA cl6<>+24(SB)/4, $0x3e4cceac
DATA cl6<>+28(SB)/4, $0x3e4cceac
GLOBL cl6<>(SB), RODATA|NOPTR, $32

DATA cl7<>+0(SB)/4, $0xbe7ffffc
DATA cl7<>+4(SB)/4, $0xbe7ffffc
DATA cl7<>+8(SB)/4, $0xbe7ffffc
DATA cl7<>+12(SB)/4, $0xbe7ffffc
DATA cl7<>+16(SB)/4, $0xbe7ffffc
DATA cl7<>+20(SB)/4, $0xbe7ffffc
DATA cl7<>+24(SB)/4, $0xbe7ffffc
DATA cl7<>+28(SB)/4, $0xbe7ffffc
GLOBL cl7<>(SB), RODATA|NOPTR, $32

DATA cl8<>+0(SB)/4, $0x3eaaaaaa
DATA cl8<>+4(SB)/4, $0x3eaaaaaa
DATA cl8<>+8(SB)/4, $0x3eaaaaaa
DATA cl8<>+12(SB)/4, $0x3eaaaaaa
DATA cl8<>+16(SB)/4, $0x3eaaaaaa
DATA cl8<>+20(SB)/4, $0x3eaaaaaa
DATA cl8<>+24(SB)/4, $0x3eaaaaaa
DATA cl8<>+28(SB)/4, $0x3eaaaaaa
GLOBL cl8<>(SB), RODATA|NOPTR, $32

DATA cbias<>+0(SB)/4, $0x0000007f
DATA cbias<>+4(SB)/4, $0x0000007f
DATA cbias<>+8(SB)/4, $0x0000007f
DATA cbias<>+12(SB)/4, $0x0000007f
DATA cbias<>+16(SB)/4, $0x0000007f
DATA cbias<>+20(SB)/4, $0x0000007f
DATA cbias<>+24(SB)/4, $0x0000007f
DATA cbias<>+28(SB)/4, $0x0000007f
GLOBL cbias<>(SB), RODATA|NOPTR, $32

DATA cabs<>+0(SB)/4, $0x7fffffff
DATA cabs<>+4(SB)/4, $0x7fffffff
DATA cabs<>+8(SB)/4, $0x7fffffff
DATA cabs<>+12(SB)/4, $0x7fffffff
DATA cabs<>+16(SB)/4, $0x7fffffff
DATA cabs<>+20(SB)/4, $0x7fffffff
DATA cabs<>+24(SB)/4, $0x7fffffff
DATA cabs<>+28(SB)/4, $0x7fffffff
GLOBL cabs<>(SB), RODATA|NOPTR, $32

DATA csign<>+0(SB)/4, $0x80000000
DATA csign<>+4(SB)/4, $0x80000000
DATA csign<>+8(SB)/4, $0x80000000
DATA csign<>+12(SB)/4, $0x80000000
DATA csign<>+16(SB)/4, $0x80000000
DATA csign<>+20(SB)/4, $0x80000000
DATA csign<>+24(SB)/4, $0x80000000
DATA csign<>+28(SB)/4, $0x80000000
GLOBL csign<>(SB), RODATA|NOPTR, $32

DATA ct0<>+0(SB)/4, $0xbbbaf0ea
DATA ct0<>+4(SB)/4, $0xbbbaf0ea
DATA ct0<>+8(SB)/4, $0xbbbaf0ea
DATA ct0<>+12(SB)/4, $0xbbbaf0ea
DATA ct0<>+16(SB)/4, $0xbbbaf0ea
DATA ct0<>+20(SB)/4, $0xbbbaf0ea
DATA ct0<>+24(SB)/4, $0xbbbaf0ea
DATA ct0<>+28(SB)/4, $0xbbbaf0ea
GLOBL ct0<>(SB), RODATA|NOPTR, $32

DATA ct1<>+0(SB)/4, $0x3ca9134e
DATA ct1<>+4(SB)/4, $0x3ca9134e
DATA ct1<>+8(SB)/4, $0x3ca9134e
DATA ct1<>+12(SB)/4, $0x3ca9134e
DATA ct1<>+16(SB)/4, $0x3ca9134e
DATA ct1<>+20(SB)/4, $0x3ca9134e
DATA ct1<>+24(SB)/4, $0x3ca9134e
DATA ct1<>+28(SB)/4, $0x3ca9134e
GLOBL ct1<>(SB), RODATA|NOPTR, $32

DATA ct2<>+0(SB)/4, $0xbd5c1e2d
DATA ct2<>+4(SB)/4, $0xbd5c1e2d
DATA ct2<>+8(SB)/4, $0xbd5c1e2d
DATA ct2<>+12(SB)/4, $0xbd5c1e2d
DATA ct2<>+16(SB)/4, $0xbd5c1e2d
DATA ct2<>+20(SB)/4, $0xbd5c1e2d
DATA ct2<>+24(SB)/4, $0xbd5c1e2d
DATA ct2<>+28(SB)/4, $0xbd5c1e2d
GLOBL ct2<>(SB), RODATA|NOPTR, $32

DATA ct3<>+0(SB)/4, $0x3e088393
DATA ct3<>+4(SB)/4, $0x3e088393
DATA ct3<>+8(SB)/4, $0x3e088393
DATA ct3<>+12(SB)/4, $0x3e088393
DATA ct3<>+16(SB)/4, $0x3e088393
DATA ct3<>+20(SB)/4, $0x3e088393
DATA ct3<>+24(SB)/4, $0x3e088393
DATA ct3<>+28(SB)/4, $0x3e088393
GLOBL ct3<>(SB), RODATA|NOPTR, $32

DATA ct4<>+0(SB)/4, $0xbeaaaa99
DATA ct4<>+4(SB)/4, $0xbeaaaa99
DATA ct4<>+8(SB)/4, $0xbeaaaa99
DATA ct4<>+12(SB)/4, $0xbeaaaa99
DATA ct4<>+16(SB)/4, $0xbeaaaa99
DATA ct4<>+20(SB)/4, $0xbeaaaa99
DATA ct4<>+24(SB)/4, $0xbeaaaa99
DATA ct4<>+28(SB)/4, $0xbeaaaa99
GLOBL ct4<>(SB), RODATA|NOPTR, $32

DATA ctsmall<>+0(SB)/4, $0x3f200000
DATA ctsmall<>+4(SB)/4, $0x3f200000
DATA ctsmall<>+8(SB)/4, $0x3f200000
DATA ctsmall<>+12(SB)/4, $0x3f200000
DATA ctsmall<>+16(SB)/4, $0x3f200000
DATA ctsmall<>+20(SB)/4, $0x3f200000
DATA ctsmall<>+24(SB)/4, $0x3f200000
DATA ctsmall<>+28(SB)/4, $0x3f200000
GLOBL ctsmall<>(SB), RODATA|NOPTR, $32

DATA ctbig<>+0(SB)/4, $0x41100000
DATA ctbig<>+4(SB)/4, $0x41100000
DATA ctbig<>+8(SB)/4, $0x41100000
DATA ctbig<>+12(SB)/4, $0x41100000
DATA ctbig<>+16(SB)/4, $0x41100000
DATA ctbig<>+20(SB)/4, $0x41100000
DATA ctbig<>+24(SB)/4, $0x41100000
DATA ctbig<>+28(SB)/4, $0x41100000
GLOBL ctbig<>(SB), RODATA|NOPTR, $32

DATA ctwo<>+0(SB)/4, $0x40000000
DATA ctwo<>+4(SB)/4, $0x40000000
DATA ctwo<>+8(SB)/4, $0x40000000
DATA ctwo<>+12(SB)/4, $0x40000000
DATA ctwo<>+16(SB)/4, $0x40000000
DATA ctwo<>+20(SB)/4, $0x40000000
DATA ctwo<>+24(SB)/4, $0x40000000
DATA ctwo<>+28(SB)/4, $0x40000000
GLOBL ctwo<>(SB), RODATA|NOPTR, $32

DATA cdlog2e<>+0(SB)/8, $0x3ff71547652b82fe
DATA cdlog2e<>+8(SB)/8, $0x3ff71547652b82fe
DATA cdlog2e<>+16(SB)/8, $0x3ff71547652b82fe
DATA cdlog2e<>+24(SB)/8, $0x3ff71547652b82fe
GLOBL cdlog2e<>(SB), RODATA|NOPTR, $32

DATA cdmagic<>+0(SB)/8, $0x4338000000000000
DATA cdmagic<>+8(SB)/8, $0x4338000000000000
DATA cdmagic<>+16(SB)/8, $0x4338000000000000
DATA cdmagic<>+24(SB)/8, $0x4338000000000000
GLOBL cdmagic<>(SB), RODATA|NOPTR, $32

DATA cdln2hi<>+0(SB)/8, $0x3fe62e42fee00000
DATA cdln2hi<>+8(SB)/8, $0x3fe62e42fee00000
DATA cdln2hi<>+16(SB)/8, $0x3fe62e42fee00000
DATA cdln2hi<>+24(SB)/8, $0x3fe62e42fee00000
GLOBL cdln2hi<>(SB), RODATA|NOPTR, $32

DATA cdln2lo<>+0(SB)/8, $0x3dea39ef35793c76
DATA cdln2lo<>+8(SB)/8, $0x3dea39ef35793c76
DATA cdln2lo<>+16(SB)/8, $0x3dea39ef35793c76
DATA cdln2lo<>+24(SB)/8, $0x3dea39ef35793c76
GLOBL cdln2lo<>(SB), RODATA|NOPTR, $32

DATA cdexplo<>+0(SB)/8, $0xc086200000000000
DATA cdexplo<>+8(SB)/8, $0xc086200000000000
DATA cdexplo<>+16(SB)/8, $0xc086200000000000
DATA cdexplo<>+24(SB)/8, $0xc086200000000000
GLOBL cdexplo<>(SB), RODATA|NOPTR, $32

DATA cdexphi<>+0(SB)/8, $0x4086280000000000
DATA cdexphi<>+8(SB)/8, $0x4086280000000000
DATA cdexphi<>+16(SB)/8, $0x4086280000000000
DATA cdexphi<>+24(SB)/8, $0x4086280000000000
GLOBL cdexphi<>(SB), RODATA|NOPTR, $32

DATA cdt0<>+0(SB)/8, $0x3ff0000000000000
DATA cdt0<>+8(SB)/8, $0x3ff0000000000000
DATA cdt0<>+16(SB)/8, $0x3ff0000000000000
DATA cdt0<>+24(SB)/8, $0x3ff0000000000000
GLOBL cdt0<>(SB), RODATA|NOPTR, $32

DATA cdt1<>+0(SB)/8, $0x3ff0000000000000
DATA cdt1<>+8(SB)/8, $0x3ff0000000000000
DATA cdt1<>+16(SB)/8, $0x3ff0000000000000
DATA cdt1<>+24(SB)/8, $0x3ff0000000000000
GLOBL cdt1<>(SB), RODATA|NOPTR, $32

DATA cdt2<>+0(SB)/8, $0x3fe0000000000000
DATA cdt2<>+8(SB)/8, $0x3fe0000000000000
DATA cdt2<>+16(SB)/8, $0x3fe0000000000000
DATA cdt2<>+24(SB)/8, $0x3fe0000000000000
GLOBL cdt2<>(SB), RODATA|NOPTR, $32

DATA cdt3<>+0(SB)/8, $0x3fc5555555555555
DATA cdt3<>+8(SB)/8, $0x3fc5555555555555
DATA cdt3<>+16(SB)/8, $0x3fc5555555555555
DATA cdt3<>+24(SB)/8, $0x3fc5555555555555
GLOBL cdt3<>(SB), RODATA|NOPTR, $32

DATA cdt4<>+0(SB)/8, $0x3fa5555555555555
DATA cdt4<>+8(SB)/8, $0x3fa5555555555555
DATA cdt4<>+16(SB)/8, $0x3fa5555555555555
DATA cdt4<>+24(SB)/8, $0x3fa5555555555555
GLOBL cdt4<>(SB), RODATA|NOPTR, $32

DATA cdt5<>+0(SB)/8, $0x3f81111111111111
DATA cdt5<>+8(SB)/8, $0x3f81111111111111
DATA cdt5<>+16(SB)/8, $0x3f81111111111111
DATA cdt5<>+24(SB)/8, $0x3f81111111111111
GLOBL cdt5<>(SB), RODATA|NOPTR, $32

DATA cdt6<>+0(SB)/8, $0x3f56c16c16c16c17
DATA cdt6<>+8(SB)/8, $0x3f56c16c16c16c17
DATA cdt6<>+16(SB)/8, $0x3f56c16c16c16c17
DATA cdt6<>+24(SB)/8, $0x3f56c16c16c16c17
GLOBL cdt6<>(SB), RODATA|NOPTR, $32

DATA cdt7<>+0(SB)/8, $0x3f2a01a01a01a01a
DATA cdt7<>+8(SB)/8, $0x3f2a01a01a01a01a
DATA cdt7<>+16(SB)/8, $0x3f2a01a01a01a01a
DATA cdt7<>+24(SB)/8, $0x3f2a01a01a01a01a
GLOBL cdt7<>(SB), RODATA|NOPTR, $32

DATA cdt8<>+0(SB)/8, $0x3efa01a01a01a01a
DATA cdt8<>+8(SB)/8, $0x3efa01a01a01a01a
DATA cdt8<>+16(SB)/8, $0x3efa01a01a01a01a
DATA cdt8<>+24(SB)/8, $0x3efa01a01a01a01a
GLOBL cdt8<>(SB), RODATA|NOPTR, $32

DATA cdt9<>+0(SB)/8, $0x3ec71de3a556c734
DATA cdt9<>+8(SB)/8, $0x3ec71de3a556c734
DATA cdt9<>+16(SB)/8, $0x3ec71de3a556c734
DATA cdt9<>+24(SB)/8, $0x3ec71de3a556c734
GLOBL cdt9<>(SB), RODATA|NOPTR, $32

DATA cdt10<>+0(SB)/8, $0x3e927e4fb7789f5c
DATA cdt10<>+8(SB)/8, $0x3e927e4fb7789f5c
DATA cdt10<>+16(SB)/8, $0x3e927e4fb7789f5c
DATA cdt10<>+24(SB)/8, $0x3e927e4fb7789f5c
GLOBL cdt10<>(SB), RODATA|NOPTR, $32

DATA cdt11<>+0(SB)/8, $0x3e5ae64567f544e4
DATA cdt11<>+8(SB)/8, $0x3e5ae64567f544e4
DATA cdt11<>+16(SB)/8, $0x3e5ae64567f544e4
DATA cdt11<>+24(SB)/8, $0x3e5ae64567f544e4
GLOBL cdt11<>(SB), RODATA|NOPTR, $32

DATA cdt12<>+0(SB)/8, $0x3e21eed8eff8d898
DATA cdt12<>+8(SB)/8, $0x3e21eed8eff8d898
DATA cdt12<>+16(SB)/8, $0x3e21eed8eff8d898
DATA cdt12<>+24(SB)/8, $0x3e21eed8eff8d898
GLOBL cdt12<>(SB), RODATA|NOPTR, $32

DATA cdt13<>+0(SB)/8, $0x3de6124613a86d09
DATA cdt13<>+8(SB)/8, $0x3de6124613a86d09
DATA cdt13<>+16(SB)/8, $0x3de6124613a86d09
DATA cdt13<>+24(SB)/8, $0x3de6124613a86d09
GLOBL cdt13<>(SB), RODATA|NOPTR, $32

DATA cdbias<>+0(SB)/8, $1023
DATA cdbias<>+8(SB)/8, $1023
DATA cdbias<>+16(SB)/8, $1023
DATA cdbias<>+24(SB)/8, $1023
GLOBL cdbias<>(SB), RODATA|NOPTR, $32
