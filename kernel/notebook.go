package kernel

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Notebook is a Jupyter notebook in nbformat 4. Metadata the runner does not
// interpret is kept verbatim, so a notebook read and written again keeps it.
type Notebook struct {
	Cells         []*Cell
	Metadata      json.RawMessage // the notebook's metadata object, verbatim
	NBFormat      int             // major version, always 4
	NBFormatMinor int
}

// Cell is one notebook cell.
type Cell struct {
	ID       string // nbformat 4.5 cell id; empty in older notebooks
	Type     string // "code", "markdown" or "raw"
	Source   string
	Metadata json.RawMessage // verbatim

	// Code cells only.
	ExecutionCount *int // nil when not executed
	Outputs        []*Output

	// Markdown and raw cells only.
	Attachments json.RawMessage // verbatim, or nil
}

// Output is one output of a code cell, in nbformat's shape.
type Output struct {
	Type string // "stream", "display_data", "execute_result" or "error"

	// Stream outputs.
	Name string // "stdout" or "stderr"
	Text string

	// display_data and execute_result outputs: a MIME bundle. Values are
	// strings, except JSON MIME types, which hold decoded JSON.
	Data           map[string]any
	Metadata       json.RawMessage // verbatim, or nil for {}
	ExecutionCount *int            // execute_result only

	// Error outputs.
	EName, EValue string
	Traceback     []string

	// displayID is the transient display_id this output was created with;
	// update_display_data messages with the same id replace Data.
	displayID string
}

// cellIDPattern is what nbformat 4.5 accepts as a cell id.
var cellIDPattern = regexp.MustCompile(`^[a-zA-Z0-9-_]{1,64}$`)

// ReadNotebookFile reads the notebook at path.
func ReadNotebookFile(path string) (*Notebook, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("kernel: notebook %s does not exist", path)
		}
		return nil, fmt.Errorf("kernel: %w", err)
	}
	defer f.Close()
	nb, err := readNotebook(f)
	if err != nil {
		return nil, fmt.Errorf("kernel: notebook %s: %w", path, err)
	}
	return nb, nil
}

// ReadNotebook reads an nbformat 4 notebook. Its errors say where the
// document is malformed.
func ReadNotebook(r io.Reader) (*Notebook, error) {
	nb, err := readNotebook(r)
	if err != nil {
		return nil, fmt.Errorf("kernel: notebook: %w", err)
	}
	return nb, nil
}

func readNotebook(r io.Reader) (*Notebook, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	var raw struct {
		Cells         *[]json.RawMessage `json:"cells"`
		Metadata      json.RawMessage    `json:"metadata"`
		NBFormat      *int               `json:"nbformat"`
		NBFormatMinor *int               `json:"nbformat_minor"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, jsonError(data, err)
	}
	switch {
	case raw.NBFormat == nil:
		return nil, errors.New("not an .ipynb notebook: no nbformat field")
	case *raw.NBFormat != 4:
		return nil, fmt.Errorf("nbformat %d is not supported, only 4: open and save it with Jupyter to convert it", *raw.NBFormat)
	case raw.NBFormatMinor == nil || *raw.NBFormatMinor < 0:
		return nil, errors.New("missing or negative nbformat_minor")
	case raw.Cells == nil:
		return nil, errors.New("no cells list")
	}
	if err := checkObject(raw.Metadata, "notebook metadata"); err != nil {
		return nil, err
	}
	nb := &Notebook{
		Metadata:      raw.Metadata,
		NBFormat:      4,
		NBFormatMinor: *raw.NBFormatMinor,
	}
	ids := make(map[string]bool)
	for i, rc := range *raw.Cells {
		c, err := readCell(rc)
		if err != nil {
			return nil, fmt.Errorf("cell %d: %w", i, err)
		}
		if c.ID != "" {
			if ids[c.ID] {
				return nil, fmt.Errorf("cell %d: duplicate cell id %q", i, c.ID)
			}
			ids[c.ID] = true
		}
		nb.Cells = append(nb.Cells, c)
	}
	// nbformat 4.5 requires ids; give missing ones unique ids, as
	// nbformat's own normalisation does.
	if nb.NBFormatMinor >= 5 {
		for i, c := range nb.Cells {
			if c.ID != "" {
				continue
			}
			id := fmt.Sprintf("cell-%d", i)
			for n := 0; ids[id]; n++ {
				id = fmt.Sprintf("cell-%d-%d", i, n)
			}
			c.ID, ids[id] = id, true
		}
	}
	return nb, nil
}

// jsonError turns a JSON decoding error into one naming the line and column.
func jsonError(data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var off int64
	switch {
	case errors.As(err, &syn):
		off = syn.Offset
	case errors.As(err, &typ):
		off = typ.Offset
	default:
		return fmt.Errorf("invalid JSON: %w", err)
	}
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	before := data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(off) - bytes.LastIndexByte(before, '\n')
	return fmt.Errorf("invalid JSON at line %d, column %d: %w", line, col, err)
}

// checkObject returns an error unless raw is absent or a JSON object.
func checkObject(raw json.RawMessage, what string) error {
	if len(raw) == 0 {
		return nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return fmt.Errorf("%s is not a JSON object", what)
	}
	return nil
}

// multiline decodes an nbformat multiline string: a string or a list of
// strings to be concatenated.
func multiline(raw json.RawMessage) (string, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var lines []string
	if err := json.Unmarshal(raw, &lines); err != nil {
		return "", errors.New("want a string or a list of strings")
	}
	return strings.Join(lines, ""), nil
}

// splitLines splits s after each newline, as Jupyter writes multiline
// strings.
func splitLines(s string) []string {
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

func readCell(data json.RawMessage) (*Cell, error) {
	var raw struct {
		ID             *string           `json:"id"`
		Type           string            `json:"cell_type"`
		Source         json.RawMessage   `json:"source"`
		Metadata       json.RawMessage   `json:"metadata"`
		ExecutionCount *int              `json:"execution_count"`
		Outputs        []json.RawMessage `json:"outputs"`
		Attachments    json.RawMessage   `json:"attachments"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("not a cell object: %w", err)
	}
	c := &Cell{Type: raw.Type, Metadata: raw.Metadata, Attachments: raw.Attachments}
	switch c.Type {
	case "code", "markdown", "raw":
	case "":
		return nil, errors.New("no cell_type")
	default:
		return nil, fmt.Errorf("unknown cell_type %q", c.Type)
	}
	if raw.ID != nil {
		if !cellIDPattern.MatchString(*raw.ID) {
			return nil, fmt.Errorf("invalid cell id %q", *raw.ID)
		}
		c.ID = *raw.ID
	}
	if raw.Source == nil {
		return nil, errors.New("no source")
	}
	src, err := multiline(raw.Source)
	if err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	c.Source = src
	if err := checkObject(raw.Metadata, "metadata"); err != nil {
		return nil, err
	}
	if err := checkObject(raw.Attachments, "attachments"); err != nil {
		return nil, err
	}
	if c.Type != "code" {
		return c, nil
	}
	c.Attachments = nil
	c.ExecutionCount = raw.ExecutionCount
	for i, ro := range raw.Outputs {
		o, err := readOutput(ro)
		if err != nil {
			return nil, fmt.Errorf("output %d: %w", i, err)
		}
		c.Outputs = append(c.Outputs, o)
	}
	return c, nil
}

func readOutput(data json.RawMessage) (*Output, error) {
	var raw struct {
		Type           string                     `json:"output_type"`
		Name           string                     `json:"name"`
		Text           json.RawMessage            `json:"text"`
		Data           map[string]json.RawMessage `json:"data"`
		Metadata       json.RawMessage            `json:"metadata"`
		ExecutionCount *int                       `json:"execution_count"`
		EName          string                     `json:"ename"`
		EValue         string                     `json:"evalue"`
		Traceback      []string                   `json:"traceback"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("not an output object: %w", err)
	}
	o := &Output{Type: raw.Type}
	switch raw.Type {
	case "stream":
		if raw.Name == "" {
			return nil, errors.New("stream without a name")
		}
		text, err := multiline(raw.Text)
		if err != nil {
			return nil, fmt.Errorf("stream text: %w", err)
		}
		o.Name, o.Text = raw.Name, text
	case "display_data", "execute_result":
		if err := checkObject(raw.Metadata, "output metadata"); err != nil {
			return nil, err
		}
		o.Metadata = raw.Metadata
		o.ExecutionCount = raw.ExecutionCount
		o.Data = make(map[string]any, len(raw.Data))
		for mime, v := range raw.Data {
			if isJSONMIME(mime) {
				// Numbers stay json.Number so large integers survive.
				dec := json.NewDecoder(bytes.NewReader(v))
				dec.UseNumber()
				var x any
				if err := dec.Decode(&x); err != nil {
					return nil, fmt.Errorf("data %s: %w", mime, err)
				}
				o.Data[mime] = x
				continue
			}
			s, err := multiline(v)
			if err != nil {
				return nil, fmt.Errorf("data %s: %w", mime, err)
			}
			o.Data[mime] = s
		}
	case "error":
		o.EName, o.EValue, o.Traceback = raw.EName, raw.EValue, raw.Traceback
	case "":
		return nil, errors.New("no output_type")
	default:
		return nil, fmt.Errorf("unknown output_type %q", raw.Type)
	}
	return o, nil
}

// isJSONMIME reports whether values of the MIME type are JSON documents
// rather than strings.
func isJSONMIME(mime string) bool {
	return mime == "application/json" || strings.HasSuffix(mime, "+json")
}

// objectOrEmpty returns raw, or {} when raw is absent.
func objectOrEmpty(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return json.RawMessage("{}")
	}
	return raw
}

// MarshalJSON writes the notebook in nbformat 4, multiline strings as lists
// of lines as Jupyter does.
func (nb *Notebook) MarshalJSON() ([]byte, error) {
	cells := nb.Cells
	if cells == nil {
		cells = []*Cell{}
	}
	return json.Marshal(struct {
		Cells         []*Cell         `json:"cells"`
		Metadata      json.RawMessage `json:"metadata"`
		NBFormat      int             `json:"nbformat"`
		NBFormatMinor int             `json:"nbformat_minor"`
	}{cells, objectOrEmpty(nb.Metadata), 4, nb.NBFormatMinor})
}

// MarshalJSON writes the cell in nbformat 4.
func (c *Cell) MarshalJSON() ([]byte, error) {
	type common struct {
		ID       string          `json:"id,omitempty"`
		Type     string          `json:"cell_type"`
		Metadata json.RawMessage `json:"metadata"`
		Source   []string        `json:"source"`
	}
	base := common{c.ID, c.Type, objectOrEmpty(c.Metadata), splitLines(c.Source)}
	if c.Type != "code" {
		return json.Marshal(struct {
			common
			Attachments json.RawMessage `json:"attachments,omitempty"`
		}{base, c.Attachments})
	}
	outs := c.Outputs
	if outs == nil {
		outs = []*Output{}
	}
	return json.Marshal(struct {
		common
		ExecutionCount *int      `json:"execution_count"`
		Outputs        []*Output `json:"outputs"`
	}{base, c.ExecutionCount, outs})
}

// MarshalJSON writes the output in nbformat 4.
func (o *Output) MarshalJSON() ([]byte, error) {
	switch o.Type {
	case "stream":
		return json.Marshal(struct {
			Type string   `json:"output_type"`
			Name string   `json:"name"`
			Text []string `json:"text"`
		}{o.Type, o.Name, splitLines(o.Text)})
	case "error":
		tb := o.Traceback
		if tb == nil {
			tb = []string{}
		}
		return json.Marshal(struct {
			Type      string   `json:"output_type"`
			EName     string   `json:"ename"`
			EValue    string   `json:"evalue"`
			Traceback []string `json:"traceback"`
		}{o.Type, o.EName, o.EValue, tb})
	}
	data := make(map[string]any, len(o.Data))
	for mime, v := range o.Data {
		if s, ok := v.(string); ok && !isJSONMIME(mime) && strings.HasPrefix(mime, "text/") {
			data[mime] = splitLines(s)
			continue
		}
		data[mime] = v
	}
	if o.Type == "execute_result" {
		return json.Marshal(struct {
			Type           string          `json:"output_type"`
			ExecutionCount *int            `json:"execution_count"`
			Data           map[string]any  `json:"data"`
			Metadata       json.RawMessage `json:"metadata"`
		}{o.Type, o.ExecutionCount, data, objectOrEmpty(o.Metadata)})
	}
	return json.Marshal(struct {
		Type     string          `json:"output_type"`
		Data     map[string]any  `json:"data"`
		Metadata json.RawMessage `json:"metadata"`
	}{o.Type, data, objectOrEmpty(o.Metadata)})
}

// WriteNotebookFile writes nb to path as indented nbformat 4 JSON, creating
// the directory if needed.
func WriteNotebookFile(path string, nb *Notebook) error {
	data, err := json.MarshalIndent(nb, "", " ")
	if err != nil {
		return fmt.Errorf("kernel: encode notebook %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("kernel: %w", err)
	}
	if err := writeFileAtomic(path, append(data, '\n')); err != nil {
		return fmt.Errorf("kernel: %w", err)
	}
	return nil
}

// writeFileAtomic writes data to path, mode 0644, through a temporary file
// of its own in the same directory and a rename, so that readers see the
// old file or the new one and concurrent writers never rename each other's
// files away.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}
