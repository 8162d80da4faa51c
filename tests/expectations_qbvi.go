package tests

// Notebook 12 (QBVI, Magris, Shabani and Iosifidis 2022). The paper's
// numbers could not be read here (only its abstract is in the stored
// copies, and its reference code, mmagris/QBVI, prints fits of simulated
// data without reference values), so these bounds come from what the
// methods must show (a KL is ≥ 0; the full family holds the exact linear
// posterior; the factor family holds the diagonal one) and from our
// quick-mode run: 400 steps, 3 runs of each method (standard errors over
// the runs below), the linear regression's KL exact, the logistic one's
// log Z − ELBO with the SMC evidence of 200 particles (its own error about
// 0.2, from three reference runs of 64 to 200 particles: −55.68, −56.06,
// −55.92) and ELBOs from 2000 draws.
func init() {
	Expectations["12_qbvi.ipynb"] = []Expectation{
		{Name: "linear_kl_qbvi_full", Min: 0, Max: 0.25,
			Source: "KL of the full QBVI fit to the exact posterior: ≥ 0 exactly, quick 0.036 ± 0.035 (one run of three at 0.1); BBVI full reaches 0.84"},
		{Name: "linear_kl_qbvi_diag_over_optimum", Min: 0, Max: 0.5,
			Source: "diagonal QBVI's KL above the best diagonal Gaussian's (3.30): ≥ 0 exactly, quick 0.15 ± 0.07, not yet converged at 400 steps"},
		{Name: "linear_elbo_factor_minus_diag", Min: 1.5, Max: 2.3,
			Source: "factor (p = 2) ELBO above the diagonal one's: > 0 as the family holds the diagonal; quick 1.91 (SEs 0.009 and 0.068)"},
		{Name: "linear_kl_bbvi_full", Min: 0.1, Max: 2.5,
			Source: "full BBVI with Adam at 0.05: quick 0.84 ± 0.32, the noise floor of a fixed learning rate (QBVI full 0.036)"},
		{Name: "vote_kl_qbvi_full", Min: 0.1, Max: 1.0,
			Source: "log Z (SMC) − ELBO of the full QBVI fit on the voting records: quick 0.40 ± 0.015, plus the evidence's error of about 0.2; above 0 as the posterior is not Gaussian"},
		{Name: "vote_kl_bbvi_full", Min: 0.2, Max: 1.2,
			Source: "the same for full BBVI: quick 0.58 ± 0.016 (± 0.2 from log Z)"},
		{Name: "vote_elbo_factor_minus_diag", Min: 0.8, Max: 1.6,
			Source: "factor QBVI's ELBO above the diagonal one's: quick 1.19 (SEs 0.023 and 0.010), ±4 SE with the runs' spread of 0.03-0.05"},
		{Name: "vote_elbo_full_minus_diag", Min: 3.3, Max: 4.0,
			Source: "full QBVI's ELBO above the diagonal one's: quick 3.65 (SEs 0.015 and 0.010)"},
		{Name: "vote_cov_err_qbvi_full", Min: 0.03, Max: 0.25,
			Source: "relative Frobenius error of the full QBVI covariance against the SMC/HMC reference: quick 0.142 ± 0.0003 over the runs, dominated by the quick reference's own error (0.073 against a reference of the same particles and five times the HMC transitions)"},
		{Name: "vote_mean_err_qbvi_full", Min: 0, Max: 0.12,
			Source: "RMS standardised error of its mean: quick 0.053 ± 0.001, again mostly the reference's (0.021 against that longer one)"},
	}
	FullExpectations["12_qbvi.ipynb"] = []Expectation{
		{Name: "linear_kl_qbvi_full", Min: 0, Max: 0.1,
			Source: "derived: 2000 steps and a last-quarter average over 500 iterates, 10 runs: the quick 0.036 ± 0.035 can only shrink"},
		{Name: "linear_kl_qbvi_diag_over_optimum", Min: 0, Max: 0.3,
			Source: "derived: the quick 0.15 ± 0.07 shrinks as the diagonal fit converges"},
		{Name: "linear_elbo_factor_minus_diag", Min: 1.3, Max: 2.3,
			Source: "derived: the same problem, quick 1.91; it tends to 3.30 − the factor family's optimum (quick factor KL 1.54) as the diagonal fit converges"},
		{Name: "linear_kl_bbvi_full", Min: 0, Max: 2.0,
			Source: "derived: quick 0.84 ± 0.32; Adam's fixed-rate noise floor, averaged over more iterates"},
		{Name: "vote_kl_qbvi_full", Min: 0.1, Max: 0.9,
			Source: "derived: quick 0.40 ± 0.015 with log Z from 200 particles; 1000 particles shrink the evidence's error to about 0.1"},
		{Name: "vote_kl_bbvi_full", Min: 0.2, Max: 1.1,
			Source: "derived: quick 0.58 ± 0.016"},
		{Name: "vote_elbo_factor_minus_diag", Min: 0.8, Max: 1.6,
			Source: "derived: quick 1.19 ± 0.03"},
		{Name: "vote_elbo_full_minus_diag", Min: 3.3, Max: 4.0,
			Source: "derived: quick 3.65 ± 0.02"},
		{Name: "vote_cov_err_qbvi_full", Min: 0.01, Max: 0.15,
			Source: "derived: the full reference has 5 times the particles and 4 times the transitions; against one of 200 particles and 250 transitions the quick fits measured 0.073"},
		{Name: "vote_mean_err_qbvi_full", Min: 0, Max: 0.06,
			Source: "derived: 0.021 against that longer reference in quick mode"},
	}
}
