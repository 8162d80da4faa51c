package tests

import (
	"os"
	"time"
)

// FullMode reports whether TestNotebooks runs the notebooks in full mode
// (STOCHGRAD_FULL=1, as `make reproduce` sets it), with the papers'
// settings and FullExpectations, instead of quick mode and Expectations.
func FullMode() bool { return os.Getenv("STOCHGRAD_FULL") == "1" }

// fullCellTimeout bounds each cell in full mode, where the longest cell
// measured so far (the tour's VAE fit, before it moved to MNIST) takes 2
// minutes.
const fullCellTimeout = time.Hour

// FullExpectations lists, by notebook file name, every result the notebook
// prints in full mode, as Expectations does for quick mode. Each bound is
// the paper's figure with its spread, or a value measured in full mode
// with its standard error, or, where neither exists yet, a bound derived
// from the quick-mode value and how the full settings change its standard
// error; the Source says which. Where a bound is derived, run `make
// reproduce` and tighten it around the measured value.
//
// A standard error s measured over n quick replicates becomes s·√(n/N)
// over N full ones; a full value is compared with a quick one through
// the standard error of their difference, s·√(1 + n/N) for independent
// draws.
var FullExpectations = map[string][]Expectation{
	"00_tour.ipynb": {
		{Name: "gradcheck_max_error", Min: 0, Max: 1e-6,
			Source: "toolkit/ad's finite-difference gradient check tolerance (1e-6); the check does not depend on the mode"},
		// Derived, not measured yet: full mode trains the 784-512-256-20 VAE
		// for 20 epochs instead of 1.2 and scores 1,000 digits with K = 5000.
		{Name: "vae_neg_elbo", Min: 86.76, Max: 127.6,
			Source: "derived: above the IWAE paper's 1-layer VAE −log p(x) = 86.76 after 3,280 epochs, which a bound " +
				"after 20 epochs does not reach; below the quick bound's lower end 127.6 (a bigger network trained 17× longer)"},
		{Name: "vae_neg_loglik", Min: 84.78, Max: 115.6,
			Source: "derived: above the IWAE paper's best 1-layer −log p(x) (IWAE k = 50: 84.78, 3,280 epochs); " +
				"below the quick bound's lower end 115.6"},
		{Name: "vae_iwae_gain", Min: 1, Max: 12,
			Source: "derived: positive as in quick mode (5.72, SE 0.37 over 200 digits); K = 5000 against 500 adds at most " +
				"ln 10 = 2.3 nats, and a better-trained encoder can narrow the gap, hence [1, 12]"},
	},
	"01_gumbel_softmax_concrete.ipynb": fullRelaxationExpectations,
	"02_imle_aimle_synthetic.ipynb":    fullIMLEExpectations,
	"03_recursive_gumbel_max.ipynb":    fullRGMExpectations(),
	"04_perturbed_optimizers.ipynb":    fullPerturbedExpectations(),
	"10_variational_gibbs.ipynb":       fullMissingDataExpectations,
}

// fullRelaxationExpectations: full mode draws 4× the replicates of quick
// mode (40000 against 10000, 8000 against 2000), which halves every
// standard error. Full values measured for four of them are in
// tests/expectations.go's sources; the others are derived from the quick
// value and its standard error.
var fullRelaxationExpectations = []Expectation{
	{Name: "gs_bias_tau2", Min: 0.48, Max: 0.52, Source: "Gumbel-Softmax bias norm at τ=2: full 0.498 (measured); noise floor ≈ 0.001 in full mode"},
	{Name: "gs_bias_tau0p1", Min: 0, Max: 0.1, Source: "bias ≈ 0.05 at τ=0.1 (full 0.498/9.4 = 0.053) plus a noise floor of about 0.028 in full mode (0.055 in quick, halved)"},
	{Name: "gs_bias_ratio_tau2_over_tau0p1", Min: 5, Max: 15, Source: "bias shrinks as τ → 0: full 9.4 (measured); the halved noise floor lets it approach the true ratio ≈ 10"},
	{Name: "gs_var_ratio_tau0p1_over_tau2", Min: 595, Max: 730, Source: "variance grows as τ → 0: full 663 (measured), SE ≈ 13.5 (quick 27, halved): ±5 SE"},
	{Name: "gs_var_slope_small_tau", Min: -1.27, Max: -0.87, Source: "variance ∝ 1/τ to leading order: derived from quick −1.07 ± 0.06; SE of the full−quick difference 0.067: ±3 of it"},
	{Name: "bc_bias_ratio_tau2_over_tau0p1", Min: 6, Max: 20, Source: "binary Concrete: bias shrinks as τ → 0: full 11.8 (measured)"},
	{Name: "bc_var_ratio_tau0p1_over_tau2", Min: 186, Max: 230, Source: "binary Concrete: derived from quick 208 ± 4; SE of the full−quick difference 4.5: ±5 of it"},
	{Name: "bc_var_slope_small_tau", Min: -1.23, Max: -0.95, Source: "variance ∝ 1/τ: derived from quick −1.09 ± 0.03; SE of the difference 0.034: ±4 of it"},
	{Name: "st_max_z", Min: 1000, Max: 1e5, Source: "straight-through is biased: |z| grows as √N, so quick 1588 becomes about 3200 with 4× the replicates (derived)"},
	{Name: "st_gs_tau1_max_z", Min: 50, Max: 1e4, Source: "straight-through Gumbel-Softmax is biased: quick |z| = 101 becomes about 200 (derived)"},
	{Name: "st_var_over_reinforce", Min: 0.061, Max: 0.083, Source: "straight-through has low variance: derived from quick 0.072 ± 0.002; SE of the difference 0.0022: ±5 of it"},
	{Name: "st_gs_tau1_var_over_reinforce", Min: 0.107, Max: 0.141, Source: "ST Gumbel-Softmax: derived from quick 0.124 ± 0.003; SE of the difference 0.0034: ±5 of it"},
	{Name: "unbiased_max_z", Min: 0, Max: 5, Source: "≈ 770 z-values of unbiased estimators, in either mode: P(any |z| > 5) ≤ 4.4e-4"},
	{Name: "reinforce_loo_var_ratio_s8", Min: 0.64, Max: 0.75, Source: "exact 0.693 ± 5 SE, with the quick SE (≈ 0.021) halved"},
	{Name: "reinforce_loo_var_ratio_s8_exact", Min: 0.692, Max: 0.694, Source: "exact ratio by enumeration of the categorical problem"},
	{Name: "bernoulli_reinforce_loo_var_ratio_s2", Min: 0.252, Max: 0.278, Source: "exact 0.2653 ± 5 SE, with the quick SE (≈ 0.005) halved"},
	{Name: "bernoulli_reinforce_loo_var_ratio_s2_exact", Min: 0.265, Max: 0.266, Source: "exact ratio by enumeration of the Bernoulli problem"},
	{Name: "relax_var_over_rebar_s64", Min: 0.77, Max: 0.9, Source: "Grathwohl et al. 2018: tuned RELAX below REBAR; derived from quick 0.834 ± 0.015, SE of the difference 0.017: ±4 of it"},
}

// fullIMLEExpectations: full mode takes 64 problems for the fidelity
// curves (32 in quick mode) and 64 for the settled-β comparison (16); the
// optimisation runs are the same 100 in both modes, so their quick bounds
// apply unchanged. No full value has been measured: each bound is the
// quick value ± 4 standard errors of the full−quick difference, kept on
// the side of the claim where the paper makes one.
var fullIMLEExpectations = []Expectation{
	{Name: "cos_s10_imle_central_minus_ste", Min: 0, Max: 0.19, Source: "I-MLE above straight-through at S=10: quick 0.089, SE of the difference 0.025; above 0 as the I-MLE paper's synthetic figure shows"},
	{Name: "cos_s100_imle_central_minus_ste", Min: 0.04, Max: 0.2, Source: "I-MLE above straight-through at S=100: quick 0.119, SE of the difference 0.020"},
	{Name: "cos_s1000_aimle_central", Min: 0.945, Max: 0.985, Source: "AIMLE's fidelity with many samples: quick 0.966, SE of the difference 0.005"},
	{Name: "cos_s1000_aimle_minus_imle_central", Min: 0.02, Max: 0.11, Source: "AIMLE beats the biased fixed-λ I-MLE at S=1000: quick 0.063, SE of the difference 0.011"},
	{Name: "aimle_samples_ratio_at_imle_s10_fidelity", Min: 5, Max: 50, Source: "samples AIMLE needs to reach I-MLE's S=10 fidelity, relative to 10 (quick 14.1, bootstrap 95% [8.3, 28.4]); the paper claims < 1: not reproduced"},
	{Name: "cos_s10_aimle_settled_minus_reference", Min: 0.02, Max: 0.62, Source: "a 1000-call warm-up of β beats the reference's 100: quick 0.264, SE of the difference 0.089 (16 → 64 problems)"},
	{Name: "cos_s10_aimle_c4_minus_c1", Min: 0, Max: 0.5, Source: "a denser target (c=4) helps with few samples: quick 0.211, SE of the difference 0.073"},
	{Name: "cos_s1000_aimle_c4_minus_c1", Min: -0.09, Max: 0, Source: "… and costs fidelity with many: quick −0.043, SE of the difference 0.011"},
	{Name: "gap100_imle_over_ste", Min: 0.4, Max: 0.9, Source: "I-MLE's optimality gap below STE's after 100 steps (I-MLE paper's synthetic figure); the same 100 runs as quick mode (quick 0.62, SE 0.07)"},
	{Name: "gap100_sfe_over_imle", Min: 5, Max: 12, Source: "the score function is much slower; the same runs as quick mode (quick 8.5, SE ≈ 0.9)"},
	{Name: "gap1000_sfe", Min: 0.22, Max: 0.4, Source: "score function's gap after 1000 steps; the same runs as quick mode (quick 0.308, SE 0.027)"},
	{Name: "gap100_aimle_over_imle", Min: 0.7, Max: 1.8, Source: "regression check only: AIMLE does not beat I-MLE here; the same runs as quick mode (quick 1.23, SE ≈ 0.18)"},
}

// fullRGMExpectations: the full toys run the reference's step counts
// (50000, 15000 and 10000 steps against 2000, 2000 and 1000) and reach the
// optima (measured in full mode: 0.000, −9.00 and 0.003 for
// T-REINFORCE+; closing note of issues 2-4). The variance ratios are
// averaged over evaluations spread along a run 5-25× longer, where the
// logits sharpen, so the quick values do not carry over and no full
// value has been measured: their bounds are the orderings themselves.
func fullRGMExpectations() []Expectation {
	var exps []Expectation
	for _, s := range []string{"spanning_tree", "arborescence", "topk"} {
		exps = append(exps,
			Expectation{Name: s + "_var_ratio_treinforce_plus", Min: 0, Max: 1,
				Source: "Struminsky et al. 2021, the variance ordering of their toy figures: T-REINFORCE+ below E-REINFORCE (no full-mode measurement yet)"},
			Expectation{Name: s + "_var_ratio_treinforce", Min: 0, Max: 1,
				Source: "Rao-Blackwellisation: T-REINFORCE is E-REINFORCE conditioned on the trace (no full-mode measurement yet)"},
		)
	}
	// Within 1% of the way from the loss at zero logits to the optimum.
	return append(exps,
		Expectation{Name: "spanning_tree_final_loss_treinforce_plus", Min: 0, Max: 0.044,
			Source: "optimum 0, 4.36 at zero logits; full 0.000 (measured)"},
		Expectation{Name: "arborescence_final_loss_treinforce_plus", Min: -9, Max: -8.93,
			Source: "optimum −9 on 10 nodes, −2.53 at zero logits; full −9.00 (measured)"},
		Expectation{Name: "topk_final_loss_treinforce_plus", Min: 0, Max: 0.15,
			Source: "optimum 0, 14.7 at zero logits; full 0.003 (measured)"},
	)
}

// fullPerturbedExpectations: full mode trains 200 epochs (30 in quick
// mode) over 10 repeats (5, the first 5 of the same seeds). The closing
// note of issues 2-4 reports "the same pattern" in full mode without
// numbers, so the bounds are derived: quantities that do not depend on
// training (the oracle's) keep their quick bounds, whose standard error
// over 10 nested repeats is 0.7 of the quick one; quantities that improve
// with training keep the quick lower or upper bound on the side they move
// away from and are capped by the oracle on the other.
func fullPerturbedExpectations() []Expectation {
	exps := []Expectation{
		{Name: "hamming_reduction_fy", Min: 1.75, Max: 2.6, Source: "Fenchel-Young halves the Hamming error; at least quick's bound (quick 2.062, SE 0.103), longer training can only add"},
		{Name: "oracle_regret", Min: 0.0284, Max: 0.0443, Source: "regret of the noise-free cost model, which is not trained: quick 0.0364 ± 3 SE"},
		{Name: "oracle_accuracy", Min: 0.53, Max: 0.604, Source: "path accuracy of the noise-free cost model, which is not trained: quick 0.567 ± 3 SE"},
	}
	for _, m := range []string{"fy", "imle", "spo"} {
		exps = append(exps,
			Expectation{Name: "regret_reduction_" + m, Min: 4.6, Max: 9, Source: "normalised regret falls several-fold: at least quick's bound (quick 6.6-6.9, SE 0.7); at most initial regret over the oracle's (≈ 7.5 = 6.63 × 1.128) divided by 0.95 below"},
			Expectation{Name: "regret_over_oracle_" + m, Min: 0.95, Max: 1.18, Source: "final regret near the oracle's: at most quick's (1.08-1.13, SE 0.017-0.035), 200 epochs can only approach 1"},
			Expectation{Name: "accuracy_" + m, Min: 0.5, Max: 0.604, Source: "path accuracy: at least quick's bound (quick 0.54-0.55, SE 0.010), at most the oracle's cap (0.567 + 3 SE)"},
			Expectation{Name: "hamming_" + m, Min: 0.06, Max: 0.094, Source: "normalised Hamming error: at most quick's bound (quick 0.081, SE 0.0045), lower with longer training"},
		)
	}
	return exps
}

// fullMissingDataExpectations: full mode sweeps 7 missingness rates up to
// 0.7 with 2000 training rows and 100 epochs (quick: up to 0.5, 500 rows,
// 60 epochs) and reports the highest rate; the labor table trains 200
// epochs (60). Simkus, Rhodes and Gutmann (2023) report these comparisons
// as figures without numbers and no full value has been measured, so the
// bounds are derived from the quick ones (tests/expectations_missingdata.go)
// and the paper's claims: at a higher rate mean imputation loses more, so
// VGI's lead grows; with 4× the rows the gaps to the true model shrink.
var fullMissingDataExpectations = []Expectation{
	{Name: "vgi_gap_to_truth", Min: -0.05, Max: 1, Source: "VGI near the true model at rate 0.7 (quick 0.29 at rate 0.5; derived: more missing values, more rows)"},
	{Name: "mcmc_gap_to_truth", Min: -0.05, Max: 0.5, Source: "MCMC imputation with exact conditionals near the true model (quick 0.11 at rate 0.5; derived)"},
	{Name: "vgi_minus_mean_imputation", Min: 0.5, Max: 4, Source: "the paper's claim: VGI beats imputation by column means, by more as the rate grows (quick 1.03 at rate 0.5; derived)"},
	{Name: "vgi_rmse_over_mean_imputation", Min: 0.6, Max: 0.9, Source: "imputation RMSE below column means' (quick 0.766 ± 0.024 at rate 0.5; derived)"},
	{Name: "mcmc_rmse_over_mean_imputation", Min: 0.6, Max: 0.9, Source: "the same for MCMC imputation (quick 0.742 ± 0.023 at rate 0.5; derived)"},
	{Name: "labor_rmse_vgi_over_mean", Min: 0.75, Max: 1, Source: "labor table, 73 hidden values: VGI no worse than column means (quick 0.945 after 60 epochs; derived)"},
	{Name: "labor_condloglik_vgi_minus_mean", Min: 0, Max: 0.4, Source: "labor table: VGI's model gives the hidden values a higher log-likelihood than the mean-imputed fit (quick 0.106 after 60 epochs; derived)"},
}
