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
	// MNIST with the reference's configuration for 10 epochs. The bars
	// bounds are ±4 SE around a full run (2026-12-03, commit cb17e5f, the
	// true model at −3.33 nats; standard errors 0.08-0.12 over the test
	// images, 0.13 unpaired for the differences). The MNIST bound is still
	// one-sided from the quick value and the paper's ordering.
	FullExpectations["07_helmholtz_nrws.ipynb"] = []Expectation{
		{Name: "bars_gap_ws", Min: 1.5, Max: 2.5, Source: "full run 1.98 ± 0.12"},
		{Name: "bars_gap_rws", Min: 0.73, Max: 1.48, Source: "full run 1.11 ± 0.09"},
		{Name: "bars_gap_nrws", Min: 0.14, Max: 0.81, Source: "full run 0.47 ± 0.08"},
		{Name: "bars_gap_bihm", Min: 0.9, Max: 1.72, Source: "full run 1.31 ± 0.10"},
		{Name: "bars_gap_nbihm", Min: 0.32, Max: 1.04, Source: "full run 0.68 ± 0.09"},
		{Name: "bars_nrws_minus_rws", Min: 0.13, Max: 1.14, Source: "the paper's ordering, NRWS ahead of RWS: full run 0.63 ± 0.13 (unpaired)"},
		{Name: "bars_nbihm_minus_bihm", Min: 0.09, Max: 1.17, Source: "NBiHM ahead of BiHM: full run 0.63 ± 0.13 (unpaired)"},
		{Name: "bars_nrws_seconds_over_rws", Min: 1, Max: 10, Source: "the Fisher blocks cost more, not an order of magnitude more (full run 3.1, quick 2.4)"},
		{Name: "mnist_nrws_minus_rws", Min: 0, Max: 150, Source: "derived: the paper's ordering on MNIST (quick 59 after 2 epochs on 960 images); no full-mode MNIST measurement yet"},
	}
}
