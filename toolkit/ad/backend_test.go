package ad

import "testing"

func TestBackendIsNamed(t *testing.T) {
	switch b := Backend(); b {
	case "gonum", "openblas":
		t.Logf("BLAS back end: %s", b)
	default:
		t.Fatalf("unknown back end %q", b)
	}
}
