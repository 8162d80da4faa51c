package kernel

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const sampleNotebook = `{
 "cells": [
  {"cell_type": "markdown", "id": "intro", "metadata": {"tags": ["doc"]}, "source": ["# Title\n", "text"],
   "attachments": {"a.png": {"image/png": "iVBO"}}},
  {"cell_type": "code", "id": "c1", "metadata": {"collapsed": false}, "execution_count": 3,
   "source": "fmt.Println(1)",
   "outputs": [
    {"output_type": "stream", "name": "stdout", "text": ["1\n", "2\n"]},
    {"output_type": "display_data", "data": {"text/html": ["<b>", "x</b>"], "image/png": "iVBOR==\n",
      "application/json": {"a": [1, 2], "big": 12345678901234567890}}, "metadata": {"isolated": true}},
    {"output_type": "execute_result", "execution_count": 3, "data": {"text/plain": "3"}, "metadata": {}},
    {"output_type": "error", "ename": "E", "evalue": "v", "traceback": ["l1", "l2"]}
   ]},
  {"cell_type": "raw", "id": "r", "metadata": {"format": "text/latex"}, "source": ""}
 ],
 "metadata": {"kernelspec": {"name": "stochgrad", "display_name": "Go (stochgrad)", "language": "go"}, "custom": {"x": [1, "y"]}},
 "nbformat": 4,
 "nbformat_minor": 5
}`

func TestReadNotebook(t *testing.T) {
	nb, err := ReadNotebook(strings.NewReader(sampleNotebook))
	if err != nil {
		t.Fatal(err)
	}
	if len(nb.Cells) != 3 || nb.NBFormatMinor != 5 {
		t.Fatalf("read %d cells, minor %d", len(nb.Cells), nb.NBFormatMinor)
	}
	md, c, raw := nb.Cells[0], nb.Cells[1], nb.Cells[2]
	if md.Type != "markdown" || md.Source != "# Title\ntext" || md.ID != "intro" || md.Attachments == nil {
		t.Errorf("markdown cell: %+v", md)
	}
	if c.Source != "fmt.Println(1)" || c.ExecutionCount == nil || *c.ExecutionCount != 3 {
		t.Errorf("code cell: %+v", c)
	}
	if raw.Type != "raw" || raw.Source != "" {
		t.Errorf("raw cell: %+v", raw)
	}
	if len(c.Outputs) != 4 {
		t.Fatalf("%d outputs, want 4", len(c.Outputs))
	}
	if o := c.Outputs[0]; o.Type != "stream" || o.Name != "stdout" || o.Text != "1\n2\n" {
		t.Errorf("stream output: %+v", o)
	}
	d := c.Outputs[1]
	if d.Data["text/html"] != "<b>x</b>" || d.Data["image/png"] != "iVBOR==\n" {
		t.Errorf("display data: %#v", d.Data)
	}
	if j, _ := json.Marshal(d.Data["application/json"]); string(j) != `{"a":[1,2],"big":12345678901234567890}` {
		t.Errorf("JSON MIME value re-encodes as %s", j)
	}
	if e := c.Outputs[3]; e.EName != "E" || e.EValue != "v" || !reflect.DeepEqual(e.Traceback, []string{"l1", "l2"}) {
		t.Errorf("error output: %+v", e)
	}
}

// TestNotebookRoundTrip checks that writing keeps everything read:
// metadata verbatim (up to JSON formatting) and outputs.
func TestNotebookRoundTrip(t *testing.T) {
	nb, err := ReadNotebook(strings.NewReader(sampleNotebook))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "out", "nb.ipynb")
	if err := WriteNotebookFile(path, nb); err != nil {
		t.Fatal(err)
	}
	nb2, err := ReadNotebookFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(canonical(t, nb), canonical(t, nb2)) {
		t.Errorf("round trip changed the notebook:\n%s\n%s", mustJSON(t, nb), mustJSON(t, nb2))
	}
	// Compare with the input as generic JSON: the writer's lists of lines
	// join to the input's strings, nothing is lost or added.
	var in, out map[string]any
	_ = json.Unmarshal([]byte(sampleNotebook), &in)
	data, _ := os.ReadFile(path)
	_ = json.Unmarshal(data, &out)
	joinLines(in)
	joinLines(out)
	if !reflect.DeepEqual(in, out) {
		t.Errorf("written notebook differs from the input:\n in: %v\nout: %v", in, out)
	}
	validateNBFormat(t, path)
}

// joinLines replaces, in a decoded notebook, every multiline string (a
// list of strings under source, text or a non-JSON data MIME key) by its
// concatenation.
func joinLines(v any) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if k == "data" {
				if bundle, ok := e.(map[string]any); ok {
					for mime, val := range bundle {
						if !isJSONMIME(mime) {
							bundle[mime] = join(val)
						}
					}
				}
				continue
			}
			if k == "source" || k == "text" {
				x[k] = join(e)
				continue
			}
			joinLines(e)
		}
	case []any:
		for _, e := range x {
			joinLines(e)
		}
	}
}

// join concatenates a list of strings; anything else is returned as is.
func join(v any) any {
	l, ok := v.([]any)
	if !ok {
		return v
	}
	var b strings.Builder
	for _, s := range l {
		str, ok := s.(string)
		if !ok {
			return v
		}
		b.WriteString(str)
	}
	return b.String()
}

func canonical(t *testing.T, nb *Notebook) any {
	var v any
	if err := json.Unmarshal(mustJSON(t, nb), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func mustJSON(t *testing.T, nb *Notebook) []byte {
	t.Helper()
	data, err := json.Marshal(nb)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// validateNBFormat checks the file with nbformat's own validator when
// Debian's python3-nbformat is installed.
func validateNBFormat(t *testing.T, path string) {
	t.Helper()
	const python = "/usr/bin/python3"
	if exec.Command(python, "-c", "import nbformat").Run() != nil {
		t.Log("Debian python3-nbformat not installed: nbformat validation skipped")
		return
	}
	out, err := exec.Command(python, "-c",
		"import nbformat, sys; nbformat.validate(nbformat.read(sys.argv[1], as_version=4))", path).CombinedOutput()
	if err != nil {
		t.Errorf("nbformat rejects %s: %v\n%s", path, err, out)
	}
}

func TestReadNotebookErrors(t *testing.T) {
	cases := []struct{ doc, want string }{
		{"{\n \"cells\": [\n  {,]\n}", "line 3"},
		{`[1, 2]`, "invalid JSON"},
		{`{"cells": [], "metadata": {}}`, "no nbformat"},
		{`{"cells": [], "metadata": {}, "nbformat": 3, "nbformat_minor": 0}`, "nbformat 3 is not supported"},
		{`{"metadata": {}, "nbformat": 4, "nbformat_minor": 4}`, "no cells"},
		{`{"cells": [], "nbformat": 4}`, "nbformat_minor"},
		{`{"cells": [{"cell_type": "code", "source": "", "outputs": []}], "metadata": [], "nbformat": 4, "nbformat_minor": 4}`, "metadata is not a JSON object"},
		{`{"cells": [{"cell_type": "python", "source": ""}], "metadata": {}, "nbformat": 4, "nbformat_minor": 4}`, `cell 0: unknown cell_type "python"`},
		{`{"cells": [{"source": ""}], "metadata": {}, "nbformat": 4, "nbformat_minor": 4}`, "cell 0: no cell_type"},
		{`{"cells": [{"cell_type": "code", "metadata": {}, "outputs": []}], "metadata": {}, "nbformat": 4, "nbformat_minor": 4}`, "cell 0: no source"},
		{`{"cells": [{"cell_type": "code", "source": 5}], "metadata": {}, "nbformat": 4, "nbformat_minor": 4}`, "cell 0: source"},
		{`{"cells": [{"cell_type": "code", "source": "", "outputs": [{"output_type": "stream", "text": ""}]}], "metadata": {}, "nbformat": 4, "nbformat_minor": 4}`, "output 0: stream without a name"},
		{`{"cells": [{"cell_type": "code", "source": "", "outputs": [{"output_type": "weird"}]}], "metadata": {}, "nbformat": 4, "nbformat_minor": 4}`, `unknown output_type "weird"`},
		{`{"cells": [{"cell_type": "code", "id": "a b", "source": ""}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}`, "invalid cell id"},
		{`{"cells": [{"cell_type": "code", "id": "a", "source": ""}, {"cell_type": "code", "id": "a", "source": ""}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}`, `cell 1: duplicate cell id "a"`},
	}
	for _, c := range cases {
		_, err := ReadNotebook(strings.NewReader(c.doc))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ReadNotebook(%.40q...) error = %v, want one containing %q", c.doc, err, c.want)
		}
	}
}

func TestReadNotebookFileErrors(t *testing.T) {
	dir := t.TempDir()
	_, err := ReadNotebookFile(filepath.Join(dir, "nope.ipynb"))
	if err == nil || !strings.Contains(err.Error(), "nope.ipynb does not exist") {
		t.Errorf("missing file: %v", err)
	}
	bad := filepath.Join(dir, "bad.ipynb")
	os.WriteFile(bad, []byte("{\"cells\": [\n"), 0o644)
	_, err = ReadNotebookFile(bad)
	if err == nil || !strings.Contains(err.Error(), "bad.ipynb") || !strings.Contains(err.Error(), "invalid JSON at line 2") {
		t.Errorf("truncated file: %v", err)
	}
}

// TestMissingCellIDs checks that nbformat 4.5 notebooks get unique ids for
// cells without one, and older ones are left without.
func TestMissingCellIDs(t *testing.T) {
	doc := `{"cells": [{"cell_type": "code", "source": ""}, {"cell_type": "code", "id": "cell-0", "source": ""}], "metadata": {}, "nbformat": 4, "nbformat_minor": %s}`
	nb, err := ReadNotebook(strings.NewReader(strings.Replace(doc, "%s", "5", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if a, b := nb.Cells[0].ID, nb.Cells[1].ID; a == "" || a == b {
		t.Errorf("ids %q, %q: want distinct, non-empty", a, b)
	}
	nb, _ = ReadNotebook(strings.NewReader(strings.Replace(doc, "%s", "4", 1)))
	if nb.Cells[0].ID != "" {
		t.Errorf("nbformat 4.4 cell got id %q", nb.Cells[0].ID)
	}
}

// FuzzReadNotebook checks that the reader never panics, and that what it
// accepts it writes back in a form it reads to the same notebook.
func FuzzReadNotebook(f *testing.F) {
	f.Add([]byte(sampleNotebook))
	f.Add([]byte(`{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 2}`))
	f.Add([]byte(`{"cells": [{"cell_type": "code", "source": ["a\r\n", "b"], "outputs": [{"output_type": "stream", "name": "x", "text": "\u00e9"}]}], "metadata": null, "nbformat": 4, "nbformat_minor": 5}`))
	f.Add([]byte(`{"cells": [null], "nbformat": 4, "nbformat_minor": 0}`))
	f.Add([]byte("\xff\xfe"))
	f.Fuzz(func(t *testing.T, data []byte) {
		nb, err := ReadNotebook(bytes.NewReader(data))
		if err != nil {
			return
		}
		first, err := json.Marshal(nb)
		if err != nil {
			t.Fatalf("cannot write a notebook read without error: %v", err)
		}
		nb2, err := ReadNotebook(bytes.NewReader(first))
		if err != nil {
			t.Fatalf("cannot read back a written notebook: %v\n%s", err, first)
		}
		second, err := json.Marshal(nb2)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first, second) {
			t.Fatalf("write/read/write not stable:\n%s\n%s", first, second)
		}
	})
}
