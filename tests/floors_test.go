package tests

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
)

// module is the path of the stochgrad module.
const module = "github.com/stochgrad/stochgrad"

// command is the floor of commands and integration tests (kernel/cmd/...,
// tests/...), which may import anything.
const command = -1

// floors is ARCHITECTURE.md's table: the floor of each library package, by
// its path inside the module. An import may only point to a lower floor.
// internal/... is floor 0 and experiments/... floor 6 (see floorOf).
var floors = map[string]int{
	"toolkit/ad": 1,
	"datasets":   1,
	"viz":        1,
	"kernel":     1,

	"toolkit/distributions": 2,
	"toolkit/nn":            2,
	"toolkit/solvers":       2,

	"estimators":    3,
	"toolkit/optim": 3,

	"toolkit/models":    4,
	"toolkit/vi":        4,
	"toolkit/smc":       4,
	"toolkit/wakesleep": 4,
	"toolkit/missing":   4,

	"toolkit": 5,
}

// floorOf returns the floor of the package at path rel inside the module,
// or false if the table does not list it.
func floorOf(rel string) (int, bool) {
	under := func(dir string) bool { return rel == dir || strings.HasPrefix(rel, dir+"/") }
	switch {
	case under("internal"):
		return 0, true
	case under("experiments"):
		return 6, true
	case under("kernel/cmd"), under("tests"):
		return command, true
	}
	f, ok := floors[rel]
	return f, ok
}

// checkImports returns the layout rules that package pkg breaks by
// importing imports (both paths inside the module), one error each.
func checkImports(pkg string, imports []string) []error {
	from, ok := floorOf(pkg)
	if !ok {
		return []error{fmt.Errorf("package %s has no floor: list it in tests/floors_test.go and in ARCHITECTURE.md's table", pkg)}
	}
	if from == command {
		return nil
	}
	var errs []error
	for _, imp := range imports {
		to, ok := floorOf(imp)
		switch {
		case !ok:
			// Reported when imp itself is checked.
		case imp == "kernel":
			errs = append(errs, fmt.Errorf("%s (floor %d) imports kernel: only tests and commands import kernel", pkg, from))
		case imp == "viz" && from <= 5 && pkg != "toolkit":
			errs = append(errs, fmt.Errorf("%s (floor %d) imports viz: the facade toolkit is the only library package that imports viz", pkg, from))
		case to == command:
			errs = append(errs, fmt.Errorf("%s (floor %d) imports the command or test package %s", pkg, from, imp))
		case to == from:
			errs = append(errs, fmt.Errorf("%s imports %s: both are on floor %d, and an import may only point to a lower floor", pkg, imp, from))
		case to > from:
			errs = append(errs, fmt.Errorf("%s (floor %d) imports %s (floor %d): an import may only point to a lower floor", pkg, from, imp, to))
		}
	}
	return errs
}

// TestFloors checks the import graph of every package of the module, as
// `go list -deps` reports it, against the floors of ARCHITECTURE.md. Test
// files are not checked: like commands, they may import anything.
func TestFloors(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}{{range .Imports}} {{.}}{{end}}", "./...")
	cmd.Dir = ".." // the module's root
	out, err := cmd.Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("go list -deps ./...: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list -deps ./...: %v", err)
	}
	n := 0
	for line := range strings.Lines(string(out)) {
		fields := strings.Fields(line)
		pkg, ok := inModule(fields[0])
		if !ok {
			continue
		}
		n++
		var imports []string
		for _, imp := range fields[1:] {
			if rel, ok := inModule(imp); ok {
				imports = append(imports, rel)
			}
		}
		for _, err := range checkImports(pkg, imports) {
			t.Error(err)
		}
	}
	if n == 0 {
		t.Fatalf("go list -deps ./... listed no package of %s", module)
	}
	t.Logf("%d packages of %s checked", n, module)
}

// inModule returns the path of a package inside the module, or false if
// path is not in the module. The root package would be ".", and there is
// none.
func inModule(path string) (string, bool) {
	return strings.CutPrefix(path, module+"/")
}

func TestCheckImports(t *testing.T) {
	ok := map[string][]string{
		"toolkit/distributions":       {"toolkit/ad", "internal/env"},
		"toolkit":                     {"viz", "estimators", "toolkit/vi", "internal/env"},
		"experiments/rgm":             {"toolkit", "viz", "toolkit/solvers"},
		"kernel/cmd/nbrun":            {"kernel"},
		"tests":                       {"kernel", "experiments/rgm", "toolkit"},
		"tests/bench":                 {"toolkit/ad"},
		"internal/env":                nil,
		"toolkit/wakesleep":           {"estimators", "toolkit/optim", "toolkit/nn"},
		"experiments/relaxations/sub": {"estimators"},
	}
	for pkg, imports := range ok {
		if errs := checkImports(pkg, imports); len(errs) != 0 {
			t.Errorf("%s importing %v: %v, want no error", pkg, imports, errs)
		}
	}
	bad := []struct {
		pkg     string
		imports []string
		want    []string // substrings of the errors, one per error
	}{
		{"toolkit/ad", []string{"toolkit/nn"}, []string{"toolkit/ad (floor 1) imports toolkit/nn (floor 2)"}},
		{"toolkit/models", []string{"toolkit/vi", "toolkit"}, []string{"both are on floor 4", "toolkit/models (floor 4) imports toolkit (floor 5)"}},
		{"estimators", []string{"viz", "kernel"}, []string{"imports viz", "imports kernel"}},
		{"toolkit", []string{"experiments/imle"}, []string{"imports experiments/imle (floor 6)"}},
		{"experiments/imle", []string{"experiments/rgm", "kernel"}, []string{"both are on floor 6", "imports kernel"}},
		{"internal/a", []string{"internal/b"}, []string{"both are on floor 0"}},
		{"datasets", []string{"tests"}, []string{"command or test package tests"}},
		{"toolkit/newthing", []string{"toolkit/ad"}, []string{"toolkit/newthing has no floor: list it"}},
	}
	for _, c := range bad {
		errs := checkImports(c.pkg, c.imports)
		if len(errs) != len(c.want) {
			t.Errorf("%s importing %v: %d errors %v, want %d", c.pkg, c.imports, len(errs), errs, len(c.want))
			continue
		}
		for i, w := range c.want {
			if !strings.Contains(errs[i].Error(), w) {
				t.Errorf("%s importing %v: error %q, want one containing %q", c.pkg, c.imports, errs[i], w)
			}
		}
	}
}
