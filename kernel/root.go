package kernel

import (
	"fmt"

	"github.com/stochgrad/stochgrad/internal/env"
)

// ModulePath is the module path of the stochgrad repository.
const ModulePath = env.ModulePath

// Root returns the repository root: $STOCHGRAD_ROOT when set, else the
// nearest directory at or above the working directory whose go.mod declares
// module github.com/stochgrad/stochgrad.
func Root() (string, error) {
	r, err := env.Root()
	if err != nil {
		return "", fmt.Errorf("kernel: %w: run from inside the repository or set STOCHGRAD_ROOT", err)
	}
	return r, nil
}
