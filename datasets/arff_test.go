package datasets

import (
	"errors"
	"math"
	"os"
	"strings"
	"testing"
)

const arffSample = `% a comment
@RELATION 'labor sample'

@attribute dur numeric
@attribute 'wage 1' REAL % trailing comment
@attribute cola {none, tcf, 'tc x'}
@attribute class {bad,good}

@data
1,5.0,none,good
2,?,'tc x',bad
% a comment between rows
?,4.5e0,?,good
{0 3, 2 tcf}
{}
`

func TestReadARFF(t *testing.T) {
	a, err := ReadARFF(strings.NewReader(arffSample))
	if err != nil {
		t.Fatal(err)
	}
	if a.Relation != "labor sample" || len(a.Attributes) != 4 || len(a.Rows) != 5 {
		t.Fatalf("relation %q, %d attributes, %d rows", a.Relation, len(a.Attributes), len(a.Rows))
	}
	if at := a.Attributes[1]; at.Name != "wage 1" || at.Kind != Numeric {
		t.Errorf("attribute 1: %+v", at)
	}
	if at := a.Attributes[2]; at.Kind != Nominal || strings.Join(at.Labels, "|") != "none|tcf|tc x" {
		t.Errorf("attribute 2: %+v", at)
	}
	nan := math.NaN()
	want := [][]float64{{1, 5, 0, 1}, {2, nan, 2, 0}, {nan, 4.5, nan, 1}, {3, 0, 1, 0}, {0, 0, 0, 0}}
	for i, row := range want {
		for j, w := range row {
			if g := a.Rows[i][j]; g != w && !(math.IsNaN(g) && math.IsNaN(w)) {
				t.Errorf("row %d column %d: %v, want %v", i, j, g, w)
			}
		}
	}
	if m, n := a.Missing(); m != 3 || n != 20 {
		t.Errorf("Missing() = %d of %d, want 3 of 20", m, n)
	}
	if a.Column("cola") != 2 || a.Column("nope") != -1 {
		t.Errorf("Column")
	}
}

// Every malformed line is reported with its number.
func TestReadARFFErrors(t *testing.T) {
	head := "@relation r\n@attribute x numeric\n@attribute c {a,b}\n@data\n"
	for name, c := range map[string]struct {
		text string
		line int
		msg  string
	}{
		"too few values":   {head + "1,a\n2\n", 6, "1 values for 2 attributes"},
		"unknown label":    {head + "1,z\n", 5, `"z" is not one of its 2 labels`},
		"not a number":     {head + "x1,a\n", 5, "not a finite number"},
		"infinite":         {head + "1e999,a\n", 5, "not a finite number"},
		"unterminated":     {head + "1,'a\n", 5, "unterminated quote"},
		"sparse index":     {head + "{7 1}\n", 5, "index in [0, 2)"},
		"sparse twice":     {head + "{0 1, 0 2}\n", 5, "given twice"},
		"sparse unclosed":  {head + "{0 1\n", 5, "closing }"},
		"string attribute": {"@relation r\n@attribute s string\n@data\n", 2, `type "string"`},
		"no type":          {"@relation r\n@attribute s\n@data\n", 2, "no type"},
		"repeated label":   {"@relation r\n@attribute c {a,a}\n@data\n", 2, "repeated label"},
		"no data":          {"@relation r\n@attribute x numeric\n", 2, "no @data"},
		"data first":       {"@data\n1\n", 1, "@data before any @attribute"},
		"stray line":       {"@relation r\nhello\n", 2, "outside @data"},
		"unknown keyword":  {"@relation r\n@foo x\n", 2, "unknown keyword"},
		"empty value":      {head + "1,\n", 5, "empty value"},
	} {
		_, err := ReadARFF(strings.NewReader(c.text))
		var ae *ARFFError
		if !errors.As(err, &ae) || ae.Line != c.line || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: %v, want line %d saying %q", name, err, c.line, c.msg)
		}
	}
	long := "@relation r\n@attribute x numeric\n@data\n" + strings.Repeat("1", maxARFFLine+10) + "\n"
	if _, err := ReadARFF(strings.NewReader(long)); err == nil || !strings.Contains(err.Error(), "line 4") {
		t.Errorf("overlong line: %v", err)
	}
	if _, err := ReadARFFFile("/nonexistent/x.arff"); err == nil || !strings.Contains(err.Error(), "x.arff") {
		t.Errorf("missing file: %v", err)
	}
}

// The UCI tables of Debian's weka package, as set-up installs them.
func TestUCI(t *testing.T) {
	a, err := UCI("labor")
	if err != nil {
		if os.Getenv("STOCHGRAD_REQUIRE_SETUP") == "" {
			t.Skip(err)
		}
		t.Fatal(err)
	}
	m, n := a.Missing()
	t.Logf("%s: %d rows, %d attributes, %d of %d values missing", a.Relation, len(a.Rows), len(a.Attributes), m, n)
	if len(a.Rows) != 57 || len(a.Attributes) != 17 || m == 0 {
		t.Errorf("labor: %d rows, %d attributes, %d missing; want 57, 17, > 0", len(a.Rows), len(a.Attributes), m)
	}
	for _, name := range []string{"breast-cancer", "vote", "soybean"} {
		b, err := UCI(name)
		if err != nil {
			t.Fatal(err)
		}
		if m, _ := b.Missing(); m == 0 || len(b.Rows) == 0 {
			t.Errorf("%s: %d rows, %d missing", name, len(b.Rows), m)
		}
	}
	t.Setenv("STOCHGRAD_DATA", t.TempDir())
	if _, err := UCI("labor"); err == nil || !strings.Contains(err.Error(), "make setup") {
		t.Errorf("missing table: %v", err)
	}
}

// FuzzReadARFF: any input either fails with an error or gives a table whose
// rows have one value per attribute, nominal values that index their labels
// and numbers that are finite or missing.
func FuzzReadARFF(f *testing.F) {
	f.Add(arffSample)
	f.Add("@relation r\n@attribute x numeric\n@data\n{0 1}\n")
	f.Add("@relation 'a b'\n@attribute \"c d\" {'x,y', z}\n@data\n'x,y'\n")
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ReadARFF(strings.NewReader(s))
		if err != nil {
			return
		}
		for _, row := range a.Rows {
			if len(row) != len(a.Attributes) {
				t.Fatalf("row of %d values for %d attributes", len(row), len(a.Attributes))
			}
			for j, v := range row {
				if math.IsNaN(v) {
					continue
				}
				if math.IsInf(v, 0) {
					t.Fatalf("infinite value")
				}
				if at := a.Attributes[j]; at.Kind == Nominal && (v != math.Trunc(v) || v < 0 || int(v) >= len(at.Labels)) {
					t.Fatalf("nominal value %v for %d labels", v, len(at.Labels))
				}
			}
		}
	})
}
