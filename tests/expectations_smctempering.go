package tests

// Notebook 08 (SMC samplers with adaptive likelihood tempering). The
// orderings' bounds are METHODS.md §4's measurements (4000 runs, 1-D
// Gaussian, 5 random-walk moves of sd 0.3 per stage, multinomial
// resampling) widened by about 4 standard errors of our quick run (2000
// runs); the others come from the standard errors of our quick run (seed
// 1) and say what the method must show.
func init() {
	Expectations["08_smc_tempering.ipynb"] = []Expectation{
		{Name: "zratio_standard_k20", Min: 0.96, Max: 1.06,
			Source: "standard ordering unbiased: METHODS.md 1.016; quick 1.008 ± 0.011, bounds 1 ± 4 SE"},
		{Name: "zratio_reference_k20", Min: 0.585, Max: 0.67,
			Source: "reference ordering biased low: METHODS.md 0.63; quick 0.621 ± 0.009, bounds 0.63 ± 4-5 SE"},
		{Name: "zratio_standard_k100", Min: 0.98, Max: 1.03,
			Source: "standard ordering unbiased: METHODS.md 1.011; quick 1.0015 ± 0.0047, bounds 1 ± 4-6 SE"},
		{Name: "zratio_reference_k100", Min: 0.537, Max: 0.563,
			Source: "reference ordering biased, worse with more particles: METHODS.md 0.55; quick 0.548 ± 0.0027, bounds 0.55 ± 4.5 SE"},
		{Name: "postmean_reference_minus_standard_k100", Min: 0.043, Max: 0.057,
			Source: "reference ordering's posterior mean pulled towards the likelihood: METHODS.md 1.649 − 1.599 = 0.050; quick 0.049 ± 0.0016"},
		{Name: "posterior_mean_error_1d", Min: 0.034, Max: 0.046,
			Source: "E‖μ̂ − μ‖ on the 1-D Gaussian, K = 100, 5 moves per stage (quick 0.0400 ± 0.0014: ±4 SE)"},
		{Name: "posterior_mean_error_banana", Min: 0.101, Max: 0.125,
			Source: "E‖μ̂ − μ‖ on the banana against quadrature, K = 100, 5 moves per stage (quick 0.1128 ± 0.0028: ±4 SE)"},
		{Name: "logz_error_banana", Min: -0.03, Max: 0.02,
			Source: "E[log Ẑ] − log Z on the banana, log Z by quadrature, K = 100, 5 moves per stage (quick −0.0034 ± 0.0062: ±4 SE)"},
		{Name: "offspring_var_residual_over_multinomial", Min: 0.33, Max: 0.44,
			Source: "offspring variance ordering (quick 0.384 over 5000 resamplings: ±12%)"},
		{Name: "offspring_var_stratified_over_multinomial", Min: 0.23, Max: 0.31,
			Source: "offspring variance ordering (quick 0.270: ±13%)"},
		{Name: "offspring_var_systematic_over_multinomial", Min: 0.13, Max: 0.18,
			Source: "offspring variance ordering, systematic lowest (quick 0.155: ±15%)"},
		{Name: "logz_var_multinomial_over_systematic_1move", Min: 1.05, Max: 1.45,
			Source: "Var(log Ẑ) larger with multinomial resampling at 1 move per stage (quick 1.21 ± 0.055: above 1 by 3 SE)"},
		{Name: "logz_error_d50_moves5", Min: -42, Max: -17,
			Source: "d = 50, K = 200, 5 moves per stage mixes badly: METHODS.md −17 at K = 1000; quick −26.6 ± 2.0 over 10 runs with the openblas tag, −31.2 ± 2.4 without (±4.5 SE of each)"},
		{Name: "logz_error_d50_moves50", Min: -1.2, Max: 0.8,
			Source: "d = 50, K = 200, 50 moves per stage: METHODS.md about −0.2 at K = 1000; quick −0.045 ± 0.28 with the openblas tag, −0.34 ± 0.18 without (±4 SE)"},
	}
	// Full mode (K up to 1000, 4000 runs per ordering, d = 50 with 5 to
	// 100 moves per stage), measured once on the nb08 branch at a load
	// average near 20; derived bounds say so.
	FullExpectations["08_smc_tempering.ipynb"] = []Expectation{
		{Name: "zratio_standard_k20", Min: 0.97, Max: 1.04, Source: "full 1.002 (measured; SE ≈ 0.008): unbiased in Z, METHODS.md 1.016"},
		{Name: "zratio_reference_k20", Min: 0.57, Max: 0.65, Source: "full 0.609 (measured; SE ≈ 0.009), METHODS.md 0.63"},
		{Name: "zratio_standard_k100", Min: 0.985, Max: 1.025, Source: "full 1.004 (measured; SE ≈ 0.004), METHODS.md 1.011"},
		{Name: "zratio_reference_k100", Min: 0.54, Max: 0.565, Source: "full 0.552 (measured; SE ≈ 0.003), METHODS.md 0.55"},
		{Name: "postmean_reference_minus_standard_k100", Min: 0.04, Max: 0.06, Source: "derived from quick 0.049 ± 0.002 and METHODS.md's 1.649 − 1.599"},
		{Name: "posterior_mean_error_1d", Min: 0, Max: 0.046, Source: "derived: no worse than quick's 0.040 + 4 SE with more particles; no full measurement of it yet"},
		{Name: "posterior_mean_error_banana", Min: 0, Max: 0.125, Source: "derived: no worse than quick's 0.113 + 4 SE; no full measurement of it yet"},
		{Name: "logz_error_banana", Min: -0.03, Max: 0.02, Source: "derived from quick −0.003 ± 0.006 against quadrature; more particles only shrink it"},
		{Name: "offspring_var_residual_over_multinomial", Min: 0.33, Max: 0.44, Source: "a property of the resamplers on the same weights: as in quick mode"},
		{Name: "offspring_var_stratified_over_multinomial", Min: 0.23, Max: 0.31, Source: "as in quick mode"},
		{Name: "offspring_var_systematic_over_multinomial", Min: 0.13, Max: 0.18, Source: "as in quick mode"},
		{Name: "logz_var_multinomial_over_systematic_1move", Min: 1.0, Max: 1.6, Source: "derived from quick 1.21 ± 0.055; no full measurement of it yet"},
		{Name: "logz_error_d50_moves5", Min: -21, Max: -13.5, Source: "full −17.2 ± 0.9 at K = 1000 (measured), METHODS.md −17"},
		{Name: "logz_error_d50_moves50", Min: -0.3, Max: 0.3, Source: "full 0.00 ± 0.07 (measured), METHODS.md ≈ −0.2"},
	}
}
