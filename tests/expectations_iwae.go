package tests

// Notebook 05 (VAE, IWAE, PIWAE, MIWAE, CIWAE and DReG on binarised MNIST;
// Burda et al. 2016, Rainforth et al. 2018, Tucker et al. 2019). Quick mode
// trains for 3 epochs on 1,200 images, far from Table 1's 3,280 epochs on
// 50,000 (one stochastic layer: VAE k=1 −86.76, IWAE k=5 −85.54, k=50
// −84.78), so the log-likelihood bounds come from our quick run (200 test
// images, K = 200; standard errors over the test images 2.6-2.9 nats, of
// paired differences 0.5-0.9); the orderings are the papers'. The SNR
// slopes are the theory's (Rainforth et al.: −1/2 and +1/2; Tucker et
// al.: DReG's inference SNR does not fall) with bounds from the standard
// errors of the fitted slopes.
func init() {
	Expectations["05_vae_iwae.ipynb"] = []Expectation{
		{Name: "iwae_loglik", Min: -201, Max: -178,
			Source: "held-out log-likelihood of the IWAE(8) model after 3 quick epochs (quick −189.4 ± 2.8: ±4 SE)"},
		{Name: "vae_loglik", Min: -207, Max: -185,
			Source: "the same for the VAE (ELBO over 8 draws) (quick −196.0 ± 2.6: ±4 SE)"},
		{Name: "iwae_minus_vae_loglik", Min: 2, Max: 12,
			Source: "IWAE above the VAE on the same test images, the ordering of the IWAE paper's Table 1 (quick 6.5 ± 0.55 paired; " +
				"the bounds are wider than ±4 SE for the training noise that SE does not cover)"},
		{Name: "loglik_rise_iwae", Min: 4, Max: 15,
			Source: "held-out log-likelihood of the IWAE model after 3 epochs minus after 1 (quick 9.2): training raises it"},
		{Name: "iwae_bound_minus_elbo", Min: 40, Max: 180,
			Source: "held-out IWAE(5) bound minus ELBO of the IWAE-trained model (quick 99, 116 with 2,000 training images): " +
				"positive by Jensen, and large because IWAE training leaves q a poor ELBO proposal (Rainforth et al. 2018); " +
				"the ELBO's heavy lower tail makes its SE about a third of the gap"},
		{Name: "snr_slope_inference", Min: -0.72, Max: -0.27,
			Source: "log-log slope of the IWAE inference-network SNR against K (theory −1/2; quick −0.492 ± 0.054: ±4 SE)"},
		{Name: "snr_slope_generative", Min: 0.45, Max: 0.52,
			Source: "the same for the generative network (theory +1/2; quick 0.480 ± 0.007: ±4 SE, widened to include 1/2)"},
		{Name: "snr_slope_dreg_inference", Min: 0.01, Max: 0.45,
			Source: "the same for DReG's inference gradient (Tucker et al.: not falling, +1/2 asymptotically; quick 0.227 ± 0.053: ±4 SE)"},
	}
	// Full mode (each objective up to 30 minutes with the paper's schedule
	// on all 50 000 training images, 2000 test images at K = 5000) has not
	// been run: the bounds are derived, between quick mode and the IWAE
	// paper's Table 1 (1 layer after 3280 epochs: VAE k=1 −86.76, IWAE k=5
	// −85.54, k=50 −84.78), which 30 minutes cannot reach.
	FullExpectations["05_vae_iwae.ipynb"] = []Expectation{
		{Name: "iwae_loglik", Min: -190, Max: -84, Source: "derived: above quick's −189.4, and not above Table 1's best (−84.78); no full-mode measurement yet"},
		{Name: "vae_loglik", Min: -196, Max: -86, Source: "derived: above quick's −196.0, and not above Table 1's VAE (−86.76); no full-mode measurement yet"},
		{Name: "iwae_minus_vae_loglik", Min: 0, Max: 12, Source: "the paper's ordering: IWAE above the VAE (Table 1: 1.2 nats at k=5 after convergence); no full-mode measurement yet"},
		{Name: "loglik_rise_iwae", Min: 0, Max: 120, Source: "derived: the held-out likelihood keeps rising with training; no full-mode measurement yet"},
		{Name: "iwae_bound_minus_elbo", Min: 0, Max: 180, Source: "derived: IWAE's inference network stays worse than its bound (Rainforth et al.); no full-mode measurement yet"},
		{Name: "snr_slope_inference", Min: -0.72, Max: -0.27, Source: "the SNR study does not depend on the mode: as in quick mode (Rainforth et al.: −1/2)"},
		{Name: "snr_slope_generative", Min: 0.45, Max: 0.52, Source: "as in quick mode (Rainforth et al.: +1/2)"},
		{Name: "snr_slope_dreg_inference", Min: 0.01, Max: 0.45, Source: "as in quick mode (DReG's inference SNR does not fall)"},
	}
}
