package kernel

import (
	"fmt"
	"strconv"
	"strings"
)

// ResultLine is one machine-checkable result of a notebook: a line
// "RESULT <name> <value>" in the stream output of its last code cell.
type ResultLine struct {
	Name  string
	Value float64
}

// ParseResultLines returns the RESULT lines of text in order. A line that
// starts with the word RESULT but is not "RESULT <name> <number>", and a
// name given twice, are errors.
func ParseResultLines(text string) ([]ResultLine, error) {
	var out []ResultLine
	seen := make(map[string]bool)
	for n, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || f[0] != "RESULT" {
			continue
		}
		if len(f) != 3 {
			return nil, fmt.Errorf("kernel: line %d %q: want RESULT <name> <value>", n+1, strings.TrimSpace(line))
		}
		v, err := strconv.ParseFloat(f[2], 64)
		if err != nil {
			return nil, fmt.Errorf("kernel: line %d %q: value is not a number", n+1, strings.TrimSpace(line))
		}
		if seen[f[1]] {
			return nil, fmt.Errorf("kernel: line %d: RESULT %s printed twice", n+1, f[1])
		}
		seen[f[1]] = true
		out = append(out, ResultLine{Name: f[1], Value: v})
	}
	return out, nil
}

// LastCodeCell returns the index of the notebook's last code cell with
// source, or -1.
func (nb *Notebook) LastCodeCell() int {
	for i := len(nb.Cells) - 1; i >= 0; i-- {
		if c := nb.Cells[i]; c.Type == "code" && strings.TrimSpace(c.Source) != "" {
			return i
		}
	}
	return -1
}

// ResultLines returns the RESULT lines in the stream outputs of the
// executed notebook's last code cell.
func (r *Result) ResultLines() ([]ResultLine, error) {
	i := r.Notebook.LastCodeCell()
	if i < 0 {
		return nil, fmt.Errorf("kernel: notebook %s has no code cell", r.Path)
	}
	var text strings.Builder
	for _, o := range r.Notebook.Cells[i].Outputs {
		if o.Type == "stream" {
			text.WriteString(o.Text)
			if !strings.HasSuffix(o.Text, "\n") {
				text.WriteByte('\n')
			}
		}
	}
	lines, err := ParseResultLines(text.String())
	if err != nil {
		return nil, fmt.Errorf("kernel: notebook %s, cell %d: %s", r.Path, i, strings.TrimPrefix(err.Error(), "kernel: "))
	}
	return lines, nil
}
