package kernel

import (
	"encoding/json"
	"regexp"
	"strings"
)

// collector gathers the outputs of one cell from iopub messages the way
// Jupyter front ends do: consecutive stream messages of the same name merge
// into one output, clear_output empties the list (at the next output when
// its wait flag is set).
type collector struct {
	outs      []*Output
	stream    strings.Builder // text of outs[len(outs)-1] while it is an open stream
	open      bool            // whether the last output is an open stream
	clearNext bool
}

// flush closes the open stream output, if any.
func (c *collector) flush() {
	if !c.open {
		return
	}
	c.outs[len(c.outs)-1].Text = foldCarriageReturns(c.stream.String())
	c.stream.Reset()
	c.open = false
}

// before runs before any output is added: a pending clear_output(wait=True)
// takes effect now.
func (c *collector) before() {
	if c.clearNext {
		c.clearNext = false
		c.clearNow()
	}
}

func (c *collector) clearNow() {
	c.stream.Reset()
	c.open = false
	c.outs = nil
}

// addStream appends text to the stream called name.
func (c *collector) addStream(name, text string) {
	c.before()
	if c.open && c.outs[len(c.outs)-1].Name == name {
		c.stream.WriteString(text)
		return
	}
	c.flush()
	if n := len(c.outs); n > 0 && c.outs[n-1].Type == "stream" && c.outs[n-1].Name == name {
		// Reopen a stream closed by outputs().
		c.stream.WriteString(c.outs[n-1].Text)
	} else {
		c.outs = append(c.outs, &Output{Type: "stream", Name: name})
	}
	c.stream.WriteString(text)
	c.open = true
}

// add appends a non-stream output.
func (c *collector) add(o *Output) {
	c.before()
	c.flush()
	c.outs = append(c.outs, o)
}

// clear handles clear_output.
func (c *collector) clear(wait bool) {
	if wait {
		c.clearNext = true
		return
	}
	c.clearNow()
}

// outputs returns the outputs gathered so far, streams complete.
func (c *collector) outputs() []*Output {
	c.flush()
	return c.outs
}

// crPattern matches text overwritten by a carriage return that is not part
// of a line ending, as nbconvert's coalesce_streams removes it.
var crPattern = regexp.MustCompile(`[^\n]*\r([^\n])`)

// foldCarriageReturns keeps, on each line, only what follows the last
// carriage return, as a terminal shows a progress line.
func foldCarriageReturns(s string) string {
	if !strings.Contains(s, "\r") {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return crPattern.ReplaceAllString(s, "$1")
}

// displayContent is the content of display_data, update_display_data and
// execute_result messages.
type displayContent struct {
	Data      map[string]json.RawMessage `json:"data"`
	Metadata  json.RawMessage            `json:"metadata"`
	Transient struct {
		DisplayID string `json:"display_id"`
	} `json:"transient"`
	ExecutionCount *int `json:"execution_count"`
}

// bundle decodes a MIME bundle: JSON MIME types as JSON, others as
// strings (or lists of strings, which are joined).
func bundle(raw map[string]json.RawMessage) map[string]any {
	data := make(map[string]any, len(raw))
	for mime, v := range raw {
		if !isJSONMIME(mime) {
			if s, err := multiline(v); err == nil {
				data[mime] = s
				continue
			}
		}
		var x any
		if err := json.Unmarshal(v, &x); err == nil {
			data[mime] = x
		}
	}
	return data
}
