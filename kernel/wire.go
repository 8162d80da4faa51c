package kernel

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// ProtocolVersion is the Jupyter messaging protocol version the runner speaks.
const ProtocolVersion = "5.3"

// delimiter separates the routing identities from the signed message parts.
const delimiter = "<IDS|MSG>"

// ErrSignature reports a received message whose HMAC signature does not match
// the connection key. Such a message is rejected, never interpreted.
var ErrSignature = errors.New("kernel: message with an invalid HMAC-SHA256 signature")

// header is the header (and parent header) of a Jupyter message.
type header struct {
	MsgID    string `json:"msg_id"`
	Session  string `json:"session"`
	Username string `json:"username"`
	Date     string `json:"date"`
	MsgType  string `json:"msg_type"`
	Version  string `json:"version"`
}

// message is one Jupyter message as described in
// https://jupyter-client.readthedocs.io/en/stable/messaging.html.
type message struct {
	Identities [][]byte
	Header     header
	Parent     header
	Metadata   json.RawMessage
	Content    json.RawMessage
	Buffers    [][]byte
}

// newID returns a random identifier in UUID v4 form.
func newID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("kernel: crypto/rand failed: " + err.Error())
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// newMessage returns a request of type msgType in session with content.
func newMessage(session, msgType string, content any) (*message, error) {
	c, err := json.Marshal(content)
	if err != nil {
		return nil, fmt.Errorf("kernel: encode %s content: %w", msgType, err)
	}
	return &message{
		Header: header{
			MsgID:    newID(),
			Session:  session,
			Username: "stochgrad",
			Date:     time.Now().UTC().Format(time.RFC3339Nano),
			MsgType:  msgType,
			Version:  ProtocolVersion,
		},
		Metadata: json.RawMessage("{}"),
		Content:  c,
	}, nil
}

// sign returns the hex HMAC-SHA256 of the four signed parts under key.
func sign(key []byte, parts [][]byte) []byte {
	mac := hmac.New(sha256.New, key)
	for _, p := range parts {
		mac.Write(p)
	}
	sum := mac.Sum(nil)
	out := make([]byte, hex.EncodedLen(len(sum)))
	hex.Encode(out, sum)
	return out
}

// encode returns the wire frames of m signed with key: identities, the
// delimiter, the signature, header, parent header, metadata, content and
// buffers.
func encode(key []byte, m *message) ([][]byte, error) {
	h, err := json.Marshal(m.Header)
	if err != nil {
		return nil, err
	}
	// An absent parent header is the empty object, as Jupyter sends it.
	p := []byte("{}")
	if m.Parent != (header{}) {
		if p, err = json.Marshal(m.Parent); err != nil {
			return nil, err
		}
	}
	md := []byte(m.Metadata)
	if len(md) == 0 {
		md = []byte("{}")
	}
	c := []byte(m.Content)
	if len(c) == 0 {
		c = []byte("{}")
	}
	signed := [][]byte{h, p, md, c}
	frames := make([][]byte, 0, len(m.Identities)+6+len(m.Buffers))
	frames = append(frames, m.Identities...)
	frames = append(frames, []byte(delimiter), sign(key, signed))
	frames = append(frames, signed...)
	frames = append(frames, m.Buffers...)
	return frames, nil
}

// decode parses the wire frames of one message and checks its signature
// against key. A message whose signature does not match is rejected with an
// error wrapping ErrSignature.
func decode(key []byte, frames [][]byte) (*message, error) {
	i := 0
	for i < len(frames) && !bytes.Equal(frames[i], []byte(delimiter)) {
		i++
	}
	if i == len(frames) {
		return nil, fmt.Errorf("kernel: malformed message: no %s delimiter in %d frames", delimiter, len(frames))
	}
	if len(frames)-i < 6 {
		return nil, fmt.Errorf("kernel: malformed message: %d frames after the delimiter, want at least 6", len(frames)-i)
	}
	sig, signed := frames[i+1], frames[i+2:i+6]
	want := sign(key, signed)
	if !hmac.Equal(sig, want) {
		return nil, ErrSignature
	}
	m := &message{
		Identities: frames[:i],
		Metadata:   json.RawMessage(signed[2]),
		Content:    json.RawMessage(signed[3]),
		Buffers:    frames[i+6:],
	}
	if err := json.Unmarshal(signed[0], &m.Header); err != nil {
		return nil, fmt.Errorf("kernel: malformed message header: %w", err)
	}
	if err := json.Unmarshal(signed[1], &m.Parent); err != nil {
		return nil, fmt.Errorf("kernel: malformed parent header in %s message: %w", m.Header.MsgType, err)
	}
	return m, nil
}
