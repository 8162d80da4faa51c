package datasets

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ARFF is a table read from Weka's attribute-relation file format, the
// format in which Debian's weka package ships UCI data sets with missing
// values. Every value is a float64: numbers as they are, nominal values as
// the index of their label in the attribute's Labels, and missing values
// ("?") as NaN.
type ARFF struct {
	Relation   string
	Attributes []Attribute
	// Rows holds one slice of len(Attributes) values per instance.
	Rows [][]float64
}

// AttributeKind is the kind of an ARFF attribute.
type AttributeKind int

// The attribute kinds a table can hold. String and date attributes are
// rejected: the table is numeric.
const (
	Numeric AttributeKind = iota // numeric, real or integer
	Nominal                      // one of a list of labels
)

// Attribute is one column of an ARFF table.
type Attribute struct {
	Name string
	Kind AttributeKind
	// Labels are the values of a nominal attribute, in declaration order.
	Labels []string
}

// ARFFError is a malformed ARFF file: the line (counting from 1) and what
// is wrong with it.
type ARFFError struct {
	Line int
	Msg  string
}

func (e *ARFFError) Error() string { return fmt.Sprintf("datasets: ARFF line %d: %s", e.Line, e.Msg) }

// maxARFFLine bounds the length of one line of an ARFF file.
const maxARFFLine = 1 << 20

// ReadARFF reads an ARFF table: a header of @relation and @attribute lines,
// then @data and one instance per line, dense (comma-separated values) or
// sparse ({index value, ...}, unlisted values 0). Keywords are
// case-insensitive, % starts a comment, and names and values may be quoted
// with ' or ". A malformed line gives an *ARFFError naming it.
func ReadARFF(r io.Reader) (*ARFF, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxARFFLine)
	a := &ARFF{}
	line, inData := 0, false
	fail := func(format string, args ...any) error {
		return &ARFFError{Line: line, Msg: fmt.Sprintf(format, args...)}
	}
	for sc.Scan() {
		line++
		text := strings.TrimSpace(stripComment(sc.Text()))
		if text == "" {
			continue
		}
		if inData {
			row, err := a.parseRow(text)
			if err != nil {
				return nil, fail("%v", err)
			}
			a.Rows = append(a.Rows, row)
			continue
		}
		if text[0] != '@' {
			return nil, fail("%q outside @data; a header line starts with @relation, @attribute or @data", clip(text))
		}
		keyword, rest := text, ""
		if i := strings.IndexAny(text, " \t"); i >= 0 {
			keyword, rest = text[:i], strings.TrimSpace(text[i+1:])
		}
		switch strings.ToLower(keyword) {
		case "@relation":
			name, _, err := token(rest)
			if err != nil || name == "" {
				return nil, fail("@relation needs a name")
			}
			a.Relation = name
		case "@attribute":
			at, err := parseAttribute(rest)
			if err != nil {
				return nil, fail("%v", err)
			}
			a.Attributes = append(a.Attributes, at)
		case "@data":
			if len(a.Attributes) == 0 {
				return nil, fail("@data before any @attribute")
			}
			inData = true
		default:
			return nil, fail("unknown keyword %q", clip(keyword))
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, &ARFFError{Line: line + 1, Msg: fmt.Sprintf("line longer than %d bytes", maxARFFLine)}
		}
		return nil, fmt.Errorf("datasets: reading ARFF: %w", err)
	}
	if !inData {
		return nil, &ARFFError{Line: line, Msg: "no @data section"}
	}
	return a, nil
}

// ReadARFFFile reads the ARFF table in the named file.
func ReadARFFFile(path string) (*ARFF, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("datasets: %w", err)
	}
	defer f.Close()
	a, err := ReadARFF(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}

// Missing returns the number of missing values and of all values.
func (a *ARFF) Missing() (missing, total int) {
	for _, row := range a.Rows {
		for _, v := range row {
			if math.IsNaN(v) {
				missing++
			}
		}
		total += len(row)
	}
	return missing, total
}

// Column returns the index of the attribute with the given name, or -1.
func (a *ARFF) Column(name string) int {
	for i, at := range a.Attributes {
		if at.Name == name {
			return i
		}
	}
	return -1
}

// parseAttribute parses what follows @attribute: a name and a type.
func parseAttribute(s string) (Attribute, error) {
	name, rest, err := token(s)
	if err != nil {
		return Attribute{}, err
	}
	if name == "" {
		return Attribute{}, errors.New("@attribute needs a name and a type")
	}
	rest = strings.TrimSpace(rest)
	if strings.HasPrefix(rest, "{") {
		end := strings.LastIndexByte(rest, '}')
		if end < 0 || strings.TrimSpace(rest[end+1:]) != "" {
			return Attribute{}, fmt.Errorf("attribute %q: nominal labels must be one {...} list", name)
		}
		labels, err := splitValues(rest[1:end])
		if err != nil {
			return Attribute{}, fmt.Errorf("attribute %q: %v", name, err)
		}
		seen := map[string]bool{}
		for _, l := range labels {
			if l == "" || seen[l] {
				return Attribute{}, fmt.Errorf("attribute %q: empty or repeated label %q", name, l)
			}
			seen[l] = true
		}
		return Attribute{Name: name, Kind: Nominal, Labels: labels}, nil
	}
	fields := strings.Fields(rest)
	if len(fields) == 0 {
		return Attribute{}, fmt.Errorf("attribute %q has no type", name)
	}
	switch t := strings.ToLower(fields[0]); t {
	case "numeric", "real", "integer":
		return Attribute{Name: name, Kind: Numeric}, nil
	default:
		return Attribute{}, fmt.Errorf("attribute %q has type %q; only numeric, real, integer and nominal {...} attributes are supported", name, clip(t))
	}
}

// parseRow parses one instance, dense or sparse.
func (a *ARFF) parseRow(s string) ([]float64, error) {
	row := make([]float64, len(a.Attributes))
	if strings.HasPrefix(s, "{") {
		if !strings.HasSuffix(s, "}") {
			return nil, errors.New("sparse instance without a closing }")
		}
		inner := strings.TrimSpace(s[1 : len(s)-1])
		if inner == "" {
			return row, nil // {} is all zeros
		}
		set := make([]bool, len(row))
		for _, p := range splitRaw(inner) {
			is, v, ok := strings.Cut(strings.TrimSpace(p), " ")
			i, err := strconv.Atoi(is)
			if !ok || err != nil || i < 0 || i >= len(row) {
				return nil, fmt.Errorf("sparse entry %q: want an index in [0, %d) and a value", clip(p), len(row))
			}
			if set[i] {
				return nil, fmt.Errorf("sparse entry for attribute %d given twice", i)
			}
			set[i] = true
			val, _, err := token(strings.TrimSpace(v))
			if err != nil {
				return nil, err
			}
			if row[i], err = a.value(i, val); err != nil {
				return nil, err
			}
		}
		return row, nil
	}
	vals, err := splitValues(s)
	if err != nil {
		return nil, err
	}
	if len(vals) != len(row) {
		return nil, fmt.Errorf("%d values for %d attributes", len(vals), len(row))
	}
	for i, v := range vals {
		if row[i], err = a.value(i, v); err != nil {
			return nil, err
		}
	}
	return row, nil
}

// value converts the text of attribute i's value.
func (a *ARFF) value(i int, v string) (float64, error) {
	at := a.Attributes[i]
	switch v {
	case "?":
		return math.NaN(), nil
	case "":
		return 0, fmt.Errorf("attribute %q: empty value (write ? for a missing one)", at.Name)
	}
	if at.Kind == Nominal {
		for k, l := range at.Labels {
			if l == v {
				return float64(k), nil
			}
		}
		return 0, fmt.Errorf("attribute %q: %q is not one of its %d labels", at.Name, clip(v), len(at.Labels))
	}
	x, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsInf(x, 0) || math.IsNaN(x) {
		return 0, fmt.Errorf("attribute %q: %q is not a finite number", at.Name, clip(v))
	}
	return x, nil
}

// splitValues splits a comma-separated list, honouring quotes, and
// unquotes each value.
func splitValues(s string) ([]string, error) {
	var out []string
	for {
		v, rest, err := token(strings.TrimSpace(s))
		if err != nil {
			return nil, err
		}
		rest = strings.TrimSpace(rest)
		out = append(out, v)
		if rest == "" {
			return out, nil
		}
		if rest[0] != ',' {
			return nil, fmt.Errorf("expected a comma before %q", clip(rest))
		}
		s = rest[1:]
	}
}

// splitRaw splits s at the commas outside quotes, keeping the quotes.
func splitRaw(s string) []string {
	var out []string
	var q byte
	start := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case q != 0 && c == '\\':
			i++
		case q != 0 && c == q:
			q = 0
		case q == 0 && (c == '\'' || c == '"'):
			q = c
		case q == 0 && c == ',':
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// token returns the first value of s: a quoted string (unquoted, with \
// escapes) or the text up to the next comma or blank, and what follows.
func token(s string) (tok, rest string, err error) {
	if s == "" {
		return "", "", nil
	}
	if q := s[0]; q == '\'' || q == '"' {
		var b strings.Builder
		for i := 1; i < len(s); i++ {
			switch c := s[i]; {
			case c == '\\' && i+1 < len(s):
				i++
				b.WriteByte(s[i])
			case c == q:
				return b.String(), s[i+1:], nil
			default:
				b.WriteByte(c)
			}
		}
		return "", "", fmt.Errorf("unterminated quote in %q", clip(s))
	}
	end := strings.IndexAny(s, ", \t")
	if end < 0 {
		return s, "", nil
	}
	return s[:end], s[end:], nil
}

// stripComment removes a % comment that is not inside quotes.
func stripComment(s string) string {
	var q byte
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case q != 0 && c == '\\':
			i++
		case q != 0 && c == q:
			q = 0
		case q == 0 && (c == '\'' || c == '"'):
			q = c
		case q == 0 && c == '%':
			return s[:i]
		}
	}
	return s
}

// clip shortens s for an error message.
func clip(s string) string {
	if len(s) > 40 {
		return s[:37] + "..."
	}
	return s
}

// UCI reads one of the UCI tables that `make setup` installs under
// DataDir()/uci from the examples of Debian's weka package: "labor",
// "breast-cancer", "vote" and "soybean", all with missing values.
func UCI(name string) (*ARFF, error) {
	data, err := DataDir()
	if err != nil {
		return nil, err
	}
	path := filepath.Join(data, "uci", name+".arff")
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("datasets: UCI table %q is not installed (%v); run `make setup`", name, err)
	}
	return ReadARFFFile(path)
}
