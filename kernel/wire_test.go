package kernel

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/go-zeromq/zmq4"
)

// TestSignRFC4231 checks sign against RFC 4231 test case 2, with the data
// split over two parts: the MAC covers their concatenation.
func TestSignRFC4231(t *testing.T) {
	got := sign([]byte("Jefe"), [][]byte{[]byte("what do ya "), []byte("want for nothing?")})
	const want = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
	if string(got) != want {
		t.Errorf("sign = %s, want %s", got, want)
	}
}

func testMessage(t *testing.T) *message {
	t.Helper()
	m, err := newMessage("session-1", "execute_request", map[string]any{"code": "x := 1", "silent": false})
	if err != nil {
		t.Fatal(err)
	}
	m.Identities = [][]byte{[]byte("id-a"), []byte("id-b")}
	m.Parent = header{MsgID: "parent-1", MsgType: "kernel_info_request", Session: "s0", Version: "5.3"}
	m.Buffers = [][]byte{{0, 1, 2}}
	return m
}

func TestEncodeDecode(t *testing.T) {
	key := []byte("0123456789abcdef")
	m := testMessage(t)
	frames, err := encode(key, m)
	if err != nil {
		t.Fatal(err)
	}
	// identities, delimiter, signature, 4 signed parts, 1 buffer.
	if len(frames) != 2+1+1+4+1 {
		t.Fatalf("encode gave %d frames, want 9", len(frames))
	}
	if string(frames[2]) != delimiter {
		t.Errorf("frame 2 = %q, want the delimiter", frames[2])
	}
	got, err := decode(key, frames)
	if err != nil {
		t.Fatal(err)
	}
	if got.Header != m.Header || got.Parent != m.Parent {
		t.Errorf("headers: got %+v / %+v, want %+v / %+v", got.Header, got.Parent, m.Header, m.Parent)
	}
	if !bytes.Equal(got.Content, m.Content) {
		t.Errorf("content = %s, want %s", got.Content, m.Content)
	}
	if len(got.Identities) != 2 || string(got.Identities[1]) != "id-b" {
		t.Errorf("identities = %q", got.Identities)
	}
	if len(got.Buffers) != 1 || !bytes.Equal(got.Buffers[0], []byte{0, 1, 2}) {
		t.Errorf("buffers = %v", got.Buffers)
	}

	// An absent parent header goes on the wire as {}.
	m.Parent = header{}
	frames, _ = encode(key, m)
	if string(frames[5]) != "{}" {
		t.Errorf("empty parent header encoded as %s, want {}", frames[5])
	}
}

func TestDecodeRejectsBadSignatures(t *testing.T) {
	key := []byte("secret")
	m := testMessage(t)
	good, err := encode(key, m)
	if err != nil {
		t.Fatal(err)
	}
	clone := func() [][]byte {
		c := make([][]byte, len(good))
		for i, f := range good {
			c[i] = append([]byte(nil), f...)
		}
		return c
	}
	tamper := map[string]func(f [][]byte){
		"content changed":       func(f [][]byte) { f[7] = []byte(`{"code":"rm -rf /"}`) },
		"header changed":        func(f [][]byte) { f[4] = bytes.Replace(f[4], []byte("execute_request"), []byte("shutdown_request"), 1) },
		"metadata changed":      func(f [][]byte) { f[6] = []byte(`{"a":1}`) },
		"signature changed":     func(f [][]byte) { f[3][0] ^= 1 },
		"signature upper case":  func(f [][]byte) { f[3] = bytes.ToUpper(f[3]) },
		"signature empty":       func(f [][]byte) { f[3] = nil },
		"parent header dropped": func(f [][]byte) { f[5] = []byte("{}") },
	}
	for name, fn := range tamper {
		f := clone()
		fn(f)
		if _, err := decode(key, f); !errors.Is(err, ErrSignature) {
			t.Errorf("%s: decode error = %v, want ErrSignature", name, err)
		}
	}
	if _, err := decode([]byte("other key"), clone()); !errors.Is(err, ErrSignature) {
		t.Errorf("wrong key: decode error = %v, want ErrSignature", err)
	}
	// A buffer is not signed (as in Jupyter): changing it is accepted.
	f := clone()
	f[8] = []byte("x")
	if _, err := decode(key, f); err != nil {
		t.Errorf("changed buffer: %v", err)
	}
}

func TestDecodeMalformed(t *testing.T) {
	key := []byte("k")
	signed := func(parts ...string) [][]byte {
		p := make([][]byte, len(parts))
		for i, s := range parts {
			p[i] = []byte(s)
		}
		return append([][]byte{[]byte(delimiter), sign(key, p)}, p...)
	}
	cases := map[string][][]byte{
		"no delimiter":       {[]byte("a"), []byte("b")},
		"too few frames":     signed("{}", "{}", "{}"),
		"header not JSON":    signed("{", "{}", "{}", "{}"),
		"parent not JSON":    signed(`{"msg_type":"status"}`, "[", "{}", "{}"),
		"nothing":            nil,
		"only the delimiter": {[]byte(delimiter)},
	}
	for name, frames := range cases {
		if _, err := decode(key, frames); err == nil || errors.Is(err, ErrSignature) {
			t.Errorf("%s: decode error = %v, want a malformed-message error", name, err)
		}
	}
}

// TestWireMatchesJupyterClient cross-checks framing and signing against
// jupyter_client's Session, the reference implementation, when Debian's
// python3-jupyter-client is installed: it must accept our message and we
// must accept its.
func TestWireMatchesJupyterClient(t *testing.T) {
	const python = "/usr/bin/python3"
	if exec.Command(python, "-c", "import jupyter_client.session").Run() != nil {
		t.Skip("Debian python3-jupyter-client not installed")
	}
	key := []byte("a4f1c3e0-key")
	orig := testMessage(t)
	ours, err := encode(key, orig)
	if err != nil {
		t.Fatal(err)
	}
	in := make([]string, len(ours))
	for i, f := range ours {
		in[i] = base64.StdEncoding.EncodeToString(f)
	}
	const script = `
import base64, json, sys
from jupyter_client.session import Session
s = Session(key=b"a4f1c3e0-key", signature_scheme="hmac-sha256", session="py-session")
frames = [base64.b64decode(f) for f in json.load(sys.stdin)]
idents, rest = s.feed_identities(frames, copy=True)
msg = s.deserialize(rest, content=True, copy=True)  # raises on a bad signature
assert msg["header"]["msg_type"] == "execute_request", msg
assert msg["content"]["code"] == "x := 1", msg
assert msg["parent_header"]["msg_id"] == "parent-1", msg
reply = s.msg("execute_reply", content={"status": "ok", "execution_count": 7}, parent=msg)
out = s.serialize(reply, ident=[b"route"])
json.dump([base64.b64encode(f).decode() for f in out], sys.stdout)
`
	cmd := exec.Command(python, "-c", script)
	data, _ := json.Marshal(in)
	cmd.Stdin = bytes.NewReader(data)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("jupyter_client rejected our message: %v", err)
	}
	var theirs []string
	if err := json.Unmarshal(out, &theirs); err != nil {
		t.Fatal(err)
	}
	frames := make([][]byte, len(theirs))
	for i, f := range theirs {
		if frames[i], err = base64.StdEncoding.DecodeString(f); err != nil {
			t.Fatal(err)
		}
	}
	m, err := decode(key, frames)
	if err != nil {
		t.Fatalf("decode jupyter_client's message: %v", err)
	}
	if m.Header.MsgType != "execute_reply" || m.Parent.MsgID != orig.Header.MsgID {
		t.Errorf("decoded header %+v, parent %+v", m.Header, m.Parent)
	}
	var rep executeReply
	if err := json.Unmarshal(m.Content, &rep); err != nil || rep.Status != "ok" || rep.ExecutionCount == nil || *rep.ExecutionCount != 7 {
		t.Errorf("decoded content %s (%v)", m.Content, err)
	}
	if len(m.Identities) != 1 || string(m.Identities[0]) != "route" {
		t.Errorf("identities %q", m.Identities)
	}
	// And their message, tampered, is rejected.
	frames[len(frames)-1] = []byte(strings.Replace(string(frames[len(frames)-1]), "7", "8", 1))
	if _, err := decode(key, frames); !errors.Is(err, ErrSignature) {
		t.Errorf("tampered jupyter_client message: %v, want ErrSignature", err)
	}
}

func TestNewIDIsUUIDv4(t *testing.T) {
	seen := make(map[string]bool)
	for range 100 {
		id := newID()
		if len(id) != 36 || id[14] != '4' || !strings.ContainsRune("89ab", rune(id[19])) {
			t.Fatalf("newID() = %q, not a UUID v4", id)
		}
		if seen[id] {
			t.Fatalf("newID repeated %q", id)
		}
		seen[id] = true
	}
}

// TestRecvRejectsBadSignatures sends messages over a real ZeroMQ socket
// pair: the runner's receive loop must drop and report a badly signed one
// and deliver a well signed one.
func TestRecvRejectsBadSignatures(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pub := zmq4.NewPub(ctx)
	defer pub.Close()
	if err := pub.Listen("tcp://127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	s := &session{key: []byte("right key"), ctx: ctx, iopubC: make(chan *message, 4), protoErr: make(chan error, 1)}
	sub := zmq4.NewSub(ctx)
	defer sub.Close()
	sub.SetOption(zmq4.OptionSubscribe, "")
	if err := sub.Dial("tcp://" + pub.Addr().String()); err != nil {
		t.Fatal(err)
	}
	go s.recv(sub, s.iopubC, "iopub")

	publish := func(key string, text string) {
		m, _ := newMessage("k", "stream", map[string]string{"name": "stdout", "text": text})
		m.Identities = [][]byte{[]byte("topic")}
		frames, _ := encode([]byte(key), m)
		if err := pub.SendMulti(zmq4.NewMsgFrom(frames...)); err != nil {
			t.Fatal(err)
		}
	}
	// The subscription reaches the publisher asynchronously: publish good
	// messages until one arrives.
	deadline := time.After(5 * time.Second)
	for ready := false; !ready; {
		publish("right key", "hello")
		select {
		case <-s.iopubC:
			ready = true
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatal("no message through the socket pair")
		}
	}
	for len(s.iopubC) > 0 {
		<-s.iopubC
	}
	publish("wrong key", "forged")
	publish("right key", "genuine")
	select {
	case err := <-s.protoErr:
		if !errors.Is(err, ErrSignature) || !strings.Contains(err.Error(), "iopub channel") {
			t.Errorf("protocol error %v", err)
		}
	case <-deadline:
		t.Fatal("forged message not reported")
	}
	for {
		select {
		case m := <-s.iopubC:
			if strings.Contains(string(m.Content), "forged") {
				t.Fatal("forged message delivered")
			}
			if strings.Contains(string(m.Content), "genuine") {
				return
			}
		case <-deadline:
			t.Fatal("genuine message after a forged one not delivered")
		}
	}
}
