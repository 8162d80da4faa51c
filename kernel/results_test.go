package kernel

import (
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestParseResultLines(t *testing.T) {
	text := "training...\nRESULT elbo -91.25\n  RESULT  acc 0.973 \nRESULTS are below\nRESULT tiny 1e-7\nsome RESULT x 1\n"
	got, err := ParseResultLines(text)
	if err != nil {
		t.Fatal(err)
	}
	want := []ResultLine{{"elbo", -91.25}, {"acc", 0.973}, {"tiny", 1e-7}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParseResultLines = %v, want %v", got, want)
	}
	if got, _ := ParseResultLines("RESULT n NaN\n"); len(got) != 1 || !math.IsNaN(got[0].Value) {
		t.Errorf("NaN value: %v", got)
	}
	for in, msg := range map[string]string{
		"RESULT a\n":             "want RESULT <name> <value>",
		"RESULT a 1 2\n":         "want RESULT <name> <value>",
		"RESULT a one\n":         "not a number",
		"RESULT a 1\nRESULT a 2": "printed twice",
	} {
		if _, err := ParseResultLines(in); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("ParseResultLines(%q) error = %v, want %q", in, err, msg)
		}
	}
}

func TestResultLinesReadsTheLastCodeCell(t *testing.T) {
	stream := func(name, text string) *Output { return &Output{Type: "stream", Name: name, Text: text} }
	nb := &Notebook{Cells: []*Cell{
		{Type: "code", Source: "a", Outputs: []*Output{stream("stdout", "RESULT early 1\n")}},
		{Type: "code", Source: "b", Outputs: []*Output{stream("stdout", "RESULT x 2"), stream("stderr", "warning\n"), stream("stdout", "RESULT y 3\n")}},
		{Type: "code", Source: "  \n"},
		{Type: "markdown", Source: "RESULT md 4"},
	}}
	r := &Result{Path: "n.ipynb", Notebook: nb}
	got, err := r.ResultLines()
	if err != nil {
		t.Fatal(err)
	}
	if want := []ResultLine{{"x", 2}, {"y", 3}}; !reflect.DeepEqual(got, want) {
		t.Errorf("ResultLines = %v, want %v", got, want)
	}
	nb.Cells[1].Outputs = append(nb.Cells[1].Outputs, stream("stdout", "RESULT bad\n"))
	if _, err := r.ResultLines(); err == nil || !strings.Contains(err.Error(), "n.ipynb, cell 1") {
		t.Errorf("malformed line: error %v, want one naming the notebook and cell", err)
	}
	if _, err := (&Result{Path: "e", Notebook: &Notebook{}}).ResultLines(); err == nil {
		t.Error("notebook without code cells: no error")
	}
}
