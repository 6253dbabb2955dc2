package nn

// linearForward computes y[r][o] = b[o] + Σ_k x[r][k]·w[o][k] for n rows.
func linearForward(y, x, w, b []float64, n, in, out int) {
	if haveAVX2FMA && in == 4 && n > 0 && out > 0 {
		fwdIn4AVX2(y[:n*out], x[:n*in], w[:out*in], b[:out], n, out)
		return
	}
	if haveAVX2FMA && in > 0 && in%4 == 0 && n > 0 && out > 0 {
		fwdAVX2(y[:n*out], x[:n*in], w[:out*in], b[:out], n, in, out)
		return
	}
	linearForwardGo(y, x, w, b, n, in, out)
}

// linearGradParams accumulates gw[o][k] += Σ_r d[r][o]·x[r][k] and gb[o] += Σ_r d[r][o].
func linearGradParams(gw, gb, d, x []float64, n, in, out int) {
	if !haveAVX2FMA || in <= 0 || in%4 != 0 || n <= 0 || out <= 0 {
		linearGradParamsGo(gw, gb, d, x, n, in, out)
		return
	}
	d = d[:n*out]
	gemmAVX2(gw[:out*in], d, x[:n*in], out, n, in, 1, out, in, 1)
	gb = gb[:out]
	if out%4 == 0 {
		ones := [1]float64{1}
		gemmAVX2(gb, ones[:], d, 1, n, out, 0, 0, out, 1)
		return
	}
	for r := 0; r < n; r++ {
		dr := d[r*out : r*out+out]
		for o, v := range dr {
			gb[o] += v
		}
	}
}

// linearGradInput computes dx[r][k] = Σ_o d[r][o]·w[o][k].
func linearGradInput(dx, d, w []float64, n, in, out int) {
	if !haveAVX2FMA || in <= 0 || in%4 != 0 || n <= 0 || out <= 0 {
		linearGradInputGo(dx, d, w, n, in, out)
		return
	}
	gemmAVX2(dx[:n*in], d[:n*out], w[:out*in], n, out, in, out, 1, in, 0)
}

// gemmGo is the reference for gemmAVX2: c[i*cols+j] += Σ_{l<p} a[i*ars+l*acs]·b[l*ldb+j].
func gemmGo(c, a, b []float64, m, p, cols, ars, acs, ldb int) {
	for i := 0; i < m; i++ {
		ci := c[i*cols : i*cols+cols]
		for l := 0; l < p; l++ {
			v := a[i*ars+l*acs]
			bl := b[l*ldb : l*ldb+cols]
			for j := range ci {
				ci[j] += v * bl[j]
			}
		}
	}
}

// The Go kernels below are the fallback for CPUs without AVX2 and FMA and for inputs
// whose width is not a multiple of 4. They block two rows by four
// outputs (or four rows by two outputs) so that each load feeds several multiply-adds
// while all accumulators stay in registers, and they re-slice operands to exact
// lengths so the compiler drops bounds checks.

// linearForwardGo computes y[r][o] = b[o] + Σ_k x[r][k]·w[o][k] for n rows.
func linearForwardGo(y, x, w, b []float64, n, in, out int) {
	r := 0
	for ; r+2 <= n; r += 2 {
		x0 := x[r*in : r*in+in]
		x1 := x[(r+1)*in : (r+1)*in+in]
		y0 := y[r*out : r*out+out]
		y1 := y[(r+1)*out : (r+1)*out+out]
		o := 0
		for ; o+4 <= out; o += 4 {
			w0 := w[o*in : o*in+in]
			w1 := w[(o+1)*in : (o+1)*in+in]
			w2 := w[(o+2)*in : (o+2)*in+in]
			w3 := w[(o+3)*in : (o+3)*in+in]
			x1 := x1[:len(x0)]
			w0, w1, w2, w3 = w0[:len(x0)], w1[:len(x0)], w2[:len(x0)], w3[:len(x0)]
			var a0, a1, a2, a3, c0, c1, c2, c3 float64
			for k, u := range x0 {
				v := x1[k]
				p0, p1, p2, p3 := w0[k], w1[k], w2[k], w3[k]
				a0 += u * p0
				a1 += u * p1
				a2 += u * p2
				a3 += u * p3
				c0 += v * p0
				c1 += v * p1
				c2 += v * p2
				c3 += v * p3
			}
			b0, b1, b2, b3 := b[o], b[o+1], b[o+2], b[o+3]
			y0[o], y0[o+1], y0[o+2], y0[o+3] = a0+b0, a1+b1, a2+b2, a3+b3
			y1[o], y1[o+1], y1[o+2], y1[o+3] = c0+b0, c1+b1, c2+b2, c3+b3
		}
		for ; o < out; o++ {
			wo := w[o*in : o*in+in]
			wo = wo[:len(x0)]
			x1 := x1[:len(x0)]
			var a, c float64
			for k, p := range wo {
				a += x0[k] * p
				c += x1[k] * p
			}
			y0[o], y1[o] = a+b[o], c+b[o]
		}
	}
	for ; r < n; r++ {
		xr := x[r*in : r*in+in]
		yr := y[r*out : r*out+out]
		o := 0
		for ; o+4 <= out; o += 4 {
			w0 := w[o*in : o*in+in]
			w1 := w[(o+1)*in : (o+1)*in+in]
			w2 := w[(o+2)*in : (o+2)*in+in]
			w3 := w[(o+3)*in : (o+3)*in+in]
			w0, w1, w2, w3 = w0[:len(xr)], w1[:len(xr)], w2[:len(xr)], w3[:len(xr)]
			var s0, s1, s2, s3 float64
			for k, xk := range xr {
				s0 += w0[k] * xk
				s1 += w1[k] * xk
				s2 += w2[k] * xk
				s3 += w3[k] * xk
			}
			yr[o], yr[o+1], yr[o+2], yr[o+3] = s0+b[o], s1+b[o+1], s2+b[o+2], s3+b[o+3]
		}
		for ; o < out; o++ {
			wo := w[o*in : o*in+in]
			wo = wo[:len(xr)]
			var s float64
			for k, xk := range xr {
				s += wo[k] * xk
			}
			yr[o] = s + b[o]
		}
	}
}

// linearGradParamsGo accumulates gw[o][k] += Σ_r d[r][o]·x[r][k] and gb[o] += Σ_r d[r][o].
func linearGradParamsGo(gw, gb, d, x []float64, n, in, out int) {
	o := 0
	for ; o+2 <= out; o += 2 {
		g0 := gw[o*in : o*in+in]
		g1 := gw[(o+1)*in : (o+1)*in+in]
		g1 = g1[:len(g0)]
		r := 0
		var sb0, sb1 float64
		for ; r+4 <= n; r += 4 {
			d00, d10, d20, d30 := d[r*out+o], d[(r+1)*out+o], d[(r+2)*out+o], d[(r+3)*out+o]
			d01, d11, d21, d31 := d[r*out+o+1], d[(r+1)*out+o+1], d[(r+2)*out+o+1], d[(r+3)*out+o+1]
			sb0 += d00 + d10 + d20 + d30
			sb1 += d01 + d11 + d21 + d31
			x0 := x[r*in : r*in+in]
			x1 := x[(r+1)*in : (r+1)*in+in]
			x2 := x[(r+2)*in : (r+2)*in+in]
			x3 := x[(r+3)*in : (r+3)*in+in]
			x0, x1, x2, x3 = x0[:len(g0)], x1[:len(g0)], x2[:len(g0)], x3[:len(g0)]
			for k := range g0 {
				a, b, c, e := x0[k], x1[k], x2[k], x3[k]
				g0[k] += d00*a + d10*b + d20*c + d30*e
				g1[k] += d01*a + d11*b + d21*c + d31*e
			}
		}
		for ; r < n; r++ {
			d0, d1 := d[r*out+o], d[r*out+o+1]
			sb0 += d0
			sb1 += d1
			xr := x[r*in : r*in+in]
			xr = xr[:len(g0)]
			for k, v := range xr {
				g0[k] += d0 * v
				g1[k] += d1 * v
			}
		}
		gb[o] += sb0
		gb[o+1] += sb1
	}
	for ; o < out; o++ {
		g := gw[o*in : o*in+in]
		var sb float64
		for r := 0; r < n; r++ {
			dr := d[r*out+o]
			sb += dr
			xr := x[r*in : r*in+in]
			xr = xr[:len(g)]
			for k := range g {
				g[k] += dr * xr[k]
			}
		}
		gb[o] += sb
	}
}

// linearGradInputGo computes dx[r][k] = Σ_o d[r][o]·w[o][k].
func linearGradInputGo(dx, d, w []float64, n, in, out int) {
	clear(dx[:n*in])
	r := 0
	for ; r+2 <= n; r += 2 {
		dx0 := dx[r*in : r*in+in]
		dx1 := dx[(r+1)*in : (r+1)*in+in]
		dx1 = dx1[:len(dx0)]
		dr0 := d[r*out : r*out+out]
		dr1 := d[(r+1)*out : (r+1)*out+out]
		dr1 = dr1[:len(dr0)]
		o := 0
		for ; o+4 <= out; o += 4 {
			a0, a1, a2, a3 := dr0[o], dr0[o+1], dr0[o+2], dr0[o+3]
			c0, c1, c2, c3 := dr1[o], dr1[o+1], dr1[o+2], dr1[o+3]
			w0 := w[o*in : o*in+in]
			w1 := w[(o+1)*in : (o+1)*in+in]
			w2 := w[(o+2)*in : (o+2)*in+in]
			w3 := w[(o+3)*in : (o+3)*in+in]
			w0, w1, w2, w3 = w0[:len(dx0)], w1[:len(dx0)], w2[:len(dx0)], w3[:len(dx0)]
			for k := range dx0 {
				p0, p1, p2, p3 := w0[k], w1[k], w2[k], w3[k]
				dx0[k] += a0*p0 + a1*p1 + a2*p2 + a3*p3
				dx1[k] += c0*p0 + c1*p1 + c2*p2 + c3*p3
			}
		}
		for ; o < out; o++ {
			a, c := dr0[o], dr1[o]
			wo := w[o*in : o*in+in]
			wo = wo[:len(dx0)]
			for k, p := range wo {
				dx0[k] += a * p
				dx1[k] += c * p
			}
		}
	}
	for ; r < n; r++ {
		dxr := dx[r*in : r*in+in]
		dr := d[r*out : r*out+out]
		for o, do := range dr {
			wo := w[o*in : o*in+in]
			wo = wo[:len(dxr)]
			for k := range dxr {
				dxr[k] += do * wo[k]
			}
		}
	}
}
