package nn

// The kernels below are the hot loops of training. They block four rows (or four
// outputs) at a time so that each weight or input load feeds four multiply-adds, and
// they re-slice operands to exact lengths so the compiler drops bounds checks.

// linearForward computes y[r][o] = b[o] + Σ_k x[r][k]·w[o][k] for n rows.
func linearForward(y, x, w, b []float64, n, in, out int) {
	r := 0
	for ; r+4 <= n; r += 4 {
		x0 := x[r*in : r*in+in]
		x1 := x[(r+1)*in : (r+1)*in+in]
		x2 := x[(r+2)*in : (r+2)*in+in]
		x3 := x[(r+3)*in : (r+3)*in+in]
		y0 := y[r*out : r*out+out]
		y1 := y[(r+1)*out : (r+1)*out+out]
		y2 := y[(r+2)*out : (r+2)*out+out]
		y3 := y[(r+3)*out : (r+3)*out+out]
		for o := 0; o < out; o++ {
			wo := w[o*in : o*in+in]
			x0, x1, x2, x3 := x0[:len(wo)], x1[:len(wo)], x2[:len(wo)], x3[:len(wo)]
			var s0, s1, s2, s3 float64
			for k, wk := range wo {
				s0 += x0[k] * wk
				s1 += x1[k] * wk
				s2 += x2[k] * wk
				s3 += x3[k] * wk
			}
			bo := b[o]
			y0[o], y1[o], y2[o], y3[o] = s0+bo, s1+bo, s2+bo, s3+bo
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

// linearGradParams accumulates gw[o][k] += Σ_r d[r][o]·x[r][k] and gb[o] += Σ_r d[r][o].
func linearGradParams(gw, gb, d, x []float64, n, in, out int) {
	for o := 0; o < out; o++ {
		g := gw[o*in : o*in+in]
		r := 0
		var sb float64
		for ; r+4 <= n; r += 4 {
			d0, d1, d2, d3 := d[r*out+o], d[(r+1)*out+o], d[(r+2)*out+o], d[(r+3)*out+o]
			sb += d0 + d1 + d2 + d3
			x0 := x[r*in : r*in+in]
			x1 := x[(r+1)*in : (r+1)*in+in]
			x2 := x[(r+2)*in : (r+2)*in+in]
			x3 := x[(r+3)*in : (r+3)*in+in]
			x0, x1, x2, x3 = x0[:len(g)], x1[:len(g)], x2[:len(g)], x3[:len(g)]
			for k := range g {
				g[k] += d0*x0[k] + d1*x1[k] + d2*x2[k] + d3*x3[k]
			}
		}
		for ; r < n; r++ {
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

// linearGradInput computes dx[r][k] = Σ_o d[r][o]·w[o][k].
func linearGradInput(dx, d, w []float64, n, in, out int) {
	for r := 0; r < n; r++ {
		dxr := dx[r*in : r*in+in]
		dr := d[r*out : r*out+out]
		clear(dxr)
		o := 0
		for ; o+4 <= out; o += 4 {
			d0, d1, d2, d3 := dr[o], dr[o+1], dr[o+2], dr[o+3]
			w0 := w[o*in : o*in+in]
			w1 := w[(o+1)*in : (o+1)*in+in]
			w2 := w[(o+2)*in : (o+2)*in+in]
			w3 := w[(o+3)*in : (o+3)*in+in]
			w0, w1, w2, w3 = w0[:len(dxr)], w1[:len(dxr)], w2[:len(dxr)], w3[:len(dxr)]
			for k := range dxr {
				dxr[k] += d0*w0[k] + d1*w1[k] + d2*w2[k] + d3*w3[k]
			}
		}
		for ; o < out; o++ {
			do := dr[o]
			wo := w[o*in : o*in+in]
			wo = wo[:len(dxr)]
			for k := range dxr {
				dxr[k] += do * wo[k]
			}
		}
	}
}
