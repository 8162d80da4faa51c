package iwae

import (
	"os"
	"testing"
)

// On a small problem the SNR trends of Rainforth et al. show: the
// inference network's IWAE gradient loses signal as K grows, the
// generative network's gains it, and DReG's inference gradient does not
// lose it, and is far above IWAE's at K = 64 (measured slopes −0.55, 0.48 and 0.09 on Ks up to 1000).
func TestSNRSlopes(t *testing.T) {
	cs, err := SNR(SNRConfig{Ks: []int{4, 16, 64}, Reps: 300, Copies: 8, Dim: 5, Perturb: 0.1, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		t.Logf("%s: SNR %.3g, slope %.3f ± %.3f", c.Name, c.SNR, c.Slope, c.SlopeSE)
	}
	if !(cs[0].Slope < -0.2) || !(cs[1].Slope > 0.3) || !(cs[2].SNR[2] > 10*cs[0].SNR[2]) {
		t.Errorf("slopes %.3f (inference), %.3f (generative), %.3f (DReG inference)", cs[0].Slope, cs[1].Slope, cs[2].Slope)
	}
	if len(SNRFigure(cs).Series) != 3 {
		t.Error("SNR figure: want 3 series")
	}
	if _, err := SNR(SNRConfig{}); err == nil {
		t.Error("empty SNR config: no error")
	}
}

// A short run on a few hundred images trains and scores every kind of
// objective without error, and the held-out log-likelihood estimate lies
// above the IWAE(5) bound, which lies above the ELBO.
func TestCompareSmall(t *testing.T) {
	t.Setenv("STOCHGRAD_CACHE", t.TempDir()) // runs are cached per method
	cfg := Config{Methods: Methods(4), Train: 200, Test: 30, Epochs: 1, EvalK: 50, Seed: 1}
	cfg.Methods = cfg.Methods[:4]
	runs, err := Compare(cfg)
	if err != nil {
		if os.Getenv("STOCHGRAD_REQUIRE_SETUP") == "" {
			t.Skip(err)
		}
		t.Fatal(err)
	}
	for _, r := range runs {
		ll, se := r.Final()
		t.Logf("%s: log-lik %.2f ± %.2f, IWAE(5) %.2f, ELBO %.2f, %.1f s", r.Name, ll, se, r.IWAE5, r.ELBO, r.Seconds[0])
		if !(ll > r.IWAE5) || !(r.IWAE5 > r.ELBO) || ll > 0 {
			t.Errorf("%s: log-lik %.2f, IWAE(5) %.2f, ELBO %.2f: want them decreasing and negative", r.Name, ll, r.IWAE5, r.ELBO)
		}
	}
	if len(Figure(runs).Series) != len(runs) {
		t.Error("figure: one series per run")
	}
	if _, err := Compare(Config{}); err == nil {
		t.Error("empty config: no error")
	}
}
