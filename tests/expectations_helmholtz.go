package tests

// Notebook 07 (natural reweighted wake-sleep, Várady, Volpi, Malagò and
// Ay). The paper's claim is an ordering (the natural algorithms converge
// faster), so the bounds come from our quick-mode run: bars (1000 training
// and 200 test images, 12 epochs, the true model at −3.20 nats per image),
// each algorithm's held-out log-likelihood with a standard error of
// 0.25-0.35 over the test images, ±4 SE; MNIST (960 images, 2 epochs, 20
// test images by importance sampling with K = 200), ±8-9 each.
func init() {
	Expectations["07_helmholtz_nrws.ipynb"] = []Expectation{
		{Name: "bars_gap_ws", Min: 5.1, Max: 7.9, Source: "true model minus WS after 12 epochs (quick 6.52 ± 0.35)"},
		{Name: "bars_gap_rws", Min: 4.4, Max: 7.1, Source: "true model minus RWS (quick 5.76 ± 0.34)"},
		{Name: "bars_gap_nrws", Min: 1.9, Max: 4.0, Source: "true model minus NRWS (quick 2.94 ± 0.25)"},
		{Name: "bars_gap_bihm", Min: 4.6, Max: 7.4, Source: "true model minus BiHM (quick 6.04 ± 0.35)"},
		{Name: "bars_gap_nbihm", Min: 2.2, Max: 4.2, Source: "true model minus NBiHM (quick 3.19 ± 0.26)"},
		{Name: "bars_nrws_minus_rws", Min: 1.1, Max: 4.5,
			Source: "the paper's claim, NRWS ahead of RWS after the same epochs (quick 2.82, SE of the difference at most 0.42)"},
		{Name: "bars_nbihm_minus_bihm", Min: 1.1, Max: 4.6,
			Source: "NBiHM ahead of BiHM after the same epochs (quick 2.85, SE at most 0.43)"},
		{Name: "bars_nrws_seconds_over_rws", Min: 1, Max: 10,
			Source: "NRWS's epochs cost more than RWS's (the Fisher blocks; quick 2.4, 4.5 per epoch in a separate measurement) but not an order of magnitude more"},
		{Name: "mnist_nrws_minus_rws", Min: 12, Max: 110,
			Source: "NRWS ahead of RWS on MNIST after 2 epochs (quick 59.4, unpaired SE 11.7: ±4 SE); a 200-step run of the reference configuration gave −130.7 against −185.1"},
	}
	// Full mode: bars with 5000 images for 60 epochs (1000 test images),
	// MNIST with the reference's configuration for 10 epochs. No full-mode
	// measurement yet: the bounds are one-sided from the quick values (more
	// training only closes the gaps) and the paper's ordering.
	FullExpectations["07_helmholtz_nrws.ipynb"] = []Expectation{
		{Name: "bars_gap_ws", Min: -0.2, Max: 7.9, Source: "derived: no further from the truth than quick's 6.52 + 4 SE; no full-mode measurement yet"},
		{Name: "bars_gap_rws", Min: -0.2, Max: 7.1, Source: "derived from quick 5.76 + 4 SE (30 epochs on 1000 images gave 4.4); no full-mode measurement yet"},
		{Name: "bars_gap_nrws", Min: -0.2, Max: 4.0, Source: "derived from quick 2.94 + 4 SE (30 epochs on 1000 images gave 2.25); no full-mode measurement yet"},
		{Name: "bars_gap_bihm", Min: -0.2, Max: 7.4, Source: "derived from quick 6.04 + 4 SE; no full-mode measurement yet"},
		{Name: "bars_gap_nbihm", Min: -0.2, Max: 4.2, Source: "derived from quick 3.19 + 4 SE; no full-mode measurement yet"},
		{Name: "bars_nrws_minus_rws", Min: -0.2, Max: 6, Source: "the paper's ordering: NRWS not behind RWS (the gap narrows as both near the truth); no full-mode measurement yet"},
		{Name: "bars_nbihm_minus_bihm", Min: -0.2, Max: 6, Source: "NBiHM not behind BiHM; no full-mode measurement yet"},
		{Name: "bars_nrws_seconds_over_rws", Min: 1, Max: 10, Source: "as in quick mode: the Fisher blocks cost more, not an order of magnitude more"},
		{Name: "mnist_nrws_minus_rws", Min: 0, Max: 150, Source: "the paper's ordering on MNIST (quick 59 after 2 epochs on 960 images); no full-mode measurement yet"},
	}
}
