package kernel

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/go-zeromq/zmq4"
)

// connInfo is the content of a Jupyter connection file.
type connInfo struct {
	ShellPort       int    `json:"shell_port"`
	IOPubPort       int    `json:"iopub_port"`
	StdinPort       int    `json:"stdin_port"`
	ControlPort     int    `json:"control_port"`
	HBPort          int    `json:"hb_port"`
	IP              string `json:"ip"`
	Key             string `json:"key"`
	Transport       string `json:"transport"`
	SignatureScheme string `json:"signature_scheme"`
	KernelName      string `json:"kernel_name"`
}

// session is one kernel process, in its own process group, and the client
// sockets connected to it.
type session struct {
	cmd           *exec.Cmd
	pgid          int
	dir           string // private directory: connection file, log, TMPDIR
	release       func() // removes dir
	logPath       string
	key           []byte
	id            string // client session id
	interruptMode string

	ctx                   context.Context    // the sockets' lifeline
	cancel                context.CancelFunc // closes the sockets
	shell, control, iopub zmq4.Socket
	endpoints             [3]string // of shell, control and iopub
	shellC, controlC      chan *message
	iopubC                chan *message
	protoErr              chan error // first protocol error (bad signature, ...)

	exited  chan struct{} // closed when the kernel process has exited
	exitErr error         // the process's exit status, set before exited closes

	closeOnce sync.Once
}

// freePorts returns n distinct free TCP ports on the loopback interface.
// All are held open until all are chosen, so they are distinct.
func freePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("no free loopback port: %w", err)
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// kernelEnv returns the environment of the kernel process: base, then the
// spec's env (substituted from base as jupyter_client does), then extra
// "KEY=VALUE" entries, later entries winning, less the variables in unset.
func kernelEnv(base []string, spec map[string]string, extra, unset []string) []string {
	vars := make(map[string]string)
	var order []string
	set := func(k, v string) {
		if _, ok := vars[k]; !ok {
			order = append(order, k)
		}
		vars[k] = v
	}
	for _, kv := range base {
		if k, v, ok := strings.Cut(kv, "="); ok {
			set(k, v)
		}
	}
	orig := make(map[string]string, len(vars))
	for k, v := range vars {
		orig[k] = v
	}
	for k, v := range spec {
		set(k, expandEnv(v, orig))
	}
	for _, kv := range extra {
		if k, v, ok := strings.Cut(kv, "="); ok {
			set(k, v)
		}
	}
	for _, k := range unset {
		delete(vars, k)
	}
	env := make([]string, 0, len(order))
	for _, k := range order {
		if v, ok := vars[k]; ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// startSession starts the kernel described by spec in working directory wd
// and returns once the kernel answers kernel_info_request on the shell
// channel and its iopub messages reach us.
func startSession(ctx context.Context, spec *Spec, wd string, extraEnv, unsetEnv []string, timeout time.Duration) (*session, error) {
	for attempt := 1; ; attempt++ {
		s, err := tryStartSession(ctx, spec, wd, extraEnv, unsetEnv, timeout)
		// The free ports were released before the kernel bound them:
		// another process may have taken one meanwhile.
		if err != nil && attempt < 3 && strings.Contains(err.Error(), "address already in use") {
			continue
		}
		return s, err
	}
}

func tryStartSession(ctx context.Context, spec *Spec, wd string, extraEnv, unsetEnv []string, timeout time.Duration) (*session, error) {
	dir, release, err := TempDir("kernel")
	if err != nil {
		return nil, err
	}
	s := &session{
		dir:           dir,
		release:       release,
		logPath:       filepath.Join(dir, "kernel.log"),
		id:            newID(),
		interruptMode: spec.InterruptMode,
		shellC:        make(chan *message, 16),
		controlC:      make(chan *message, 16),
		iopubC:        make(chan *message, 4096),
		protoErr:      make(chan error, 1),
		exited:        make(chan struct{}),
	}
	if err := s.start(spec, wd, extraEnv, unsetEnv); err != nil {
		s.close(0)
		return nil, err
	}
	if err := s.connect(ctx, timeout); err != nil {
		s.close(0)
		return nil, err
	}
	return s, nil
}

// start writes the connection file and starts the kernel process.
func (s *session) start(spec *Spec, wd string, extraEnv, unsetEnv []string) error {
	ports, err := freePorts(5)
	if err != nil {
		return err
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	s.key = []byte(hex.EncodeToString(key))
	ci := connInfo{
		ShellPort: ports[0], IOPubPort: ports[1], StdinPort: ports[2], ControlPort: ports[3], HBPort: ports[4],
		IP: "127.0.0.1", Key: string(s.key), Transport: "tcp", SignatureScheme: "hmac-sha256", KernelName: SpecName,
	}
	data, _ := json.MarshalIndent(ci, "", "  ")
	// GoNB takes the Jupyter kernel id from a file named kernel-ID.json.
	connFile := filepath.Join(s.dir, "kernel-"+newID()+".json")
	if err := os.WriteFile(connFile, data, 0o600); err != nil {
		return err
	}
	tmp := filepath.Join(s.dir, "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		return err
	}

	argv := make([]string, len(spec.Argv))
	for i, a := range spec.Argv {
		argv[i] = strings.ReplaceAll(a, "{connection_file}", connFile)
	}
	logf, err := os.Create(s.logPath)
	if err != nil {
		return err
	}
	defer logf.Close()
	s.cmd = exec.Command(argv[0], argv[1:]...)
	s.cmd.Dir = wd
	// GoNB compiles cells under $TMPDIR; a private one is removed with
	// everything else even when the kernel has to be killed.
	s.cmd.Env = kernelEnv(os.Environ(), spec.Env, append(extraEnv, "TMPDIR="+tmp), unsetEnv)
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	// Its own process group, so one signal reaches the kernel and every
	// cell program and go build it started; SIGTERM should the runner die.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := s.cmd.Start(); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("start kernel %s: %w: run `make setup`", argv[0], err)
		}
		return fmt.Errorf("start kernel %s: %w", argv[0], err)
	}
	s.pgid = s.cmd.Process.Pid
	go func() {
		s.exitErr = s.cmd.Wait()
		close(s.exited)
	}()

	sctx, cancel := context.WithCancel(context.Background())
	s.ctx, s.cancel = sctx, cancel
	quiet := zmq4.WithLogger(log.New(io.Discard, "", 0))
	retry := []zmq4.Option{quiet, zmq4.WithDialerRetry(20 * time.Millisecond), zmq4.WithDialerMaxRetries(-1)}
	s.shell = zmq4.NewDealer(sctx, retry...)
	s.control = zmq4.NewDealer(sctx, retry...)
	s.iopub = zmq4.NewSub(sctx, retry...)
	if err := s.iopub.SetOption(zmq4.OptionSubscribe, ""); err != nil {
		return fmt.Errorf("subscribe to iopub: %w", err)
	}
	s.endpoints = [3]string{
		fmt.Sprintf("tcp://127.0.0.1:%d", ci.ShellPort),
		fmt.Sprintf("tcp://127.0.0.1:%d", ci.ControlPort),
		fmt.Sprintf("tcp://127.0.0.1:%d", ci.IOPubPort),
	}
	return nil
}

// connect dials the kernel's shell, control and iopub ports and waits until
// a kernel_info_request is answered on shell and its status messages arrive
// on iopub: only then is the iopub subscription known to be in place.
func (s *session) connect(ctx context.Context, timeout time.Duration) error {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	dialed := make(chan error, 1)
	go func() {
		for i, sock := range []zmq4.Socket{s.shell, s.control, s.iopub} {
			if err := sock.Dial(s.endpoints[i]); err != nil {
				dialed <- err
				return
			}
		}
		dialed <- nil
	}()
	select {
	case err := <-dialed:
		if err != nil {
			return fmt.Errorf("connect to the kernel: %w%s", err, s.logTail())
		}
	case <-s.exited:
		return s.deathError("while starting")
	case <-deadline.C:
		return fmt.Errorf("the kernel did not open its ports within %v%s", timeout, s.logTail())
	case <-ctx.Done():
		return ctx.Err()
	}
	go s.recv(s.shell, s.shellC, "shell")
	go s.recv(s.control, s.controlC, "control")
	go s.recv(s.iopub, s.iopubC, "iopub")

	sent := make(map[string]bool)
	var gotReply, gotIOPub bool
	for {
		m, err := newMessage(s.id, "kernel_info_request", struct{}{})
		if err != nil {
			return err
		}
		if err := s.send(s.shell, m); err != nil {
			return fmt.Errorf("send kernel_info_request: %w", err)
		}
		sent[m.Header.MsgID] = true
		// Until the iopub subscription reaches the kernel, its status
		// messages are lost: ask again soon.
		retry := time.NewTimer(200 * time.Millisecond)
	wait:
		for {
			select {
			case r := <-s.shellC:
				gotReply = gotReply || sent[r.Parent.MsgID] && r.Header.MsgType == "kernel_info_reply"
			case r := <-s.iopubC:
				gotIOPub = gotIOPub || sent[r.Parent.MsgID]
			case <-s.controlC:
			case err := <-s.protoErr:
				retry.Stop()
				return err
			case <-retry.C:
				break wait
			case <-s.exited:
				retry.Stop()
				return s.deathError("while starting")
			case <-deadline.C:
				retry.Stop()
				return fmt.Errorf("no kernel_info_reply (shell: %v, iopub: %v) within %v%s",
					gotReply, gotIOPub, timeout, s.logTail())
			case <-ctx.Done():
				retry.Stop()
				return ctx.Err()
			}
			if gotReply && gotIOPub {
				retry.Stop()
				return nil
			}
		}
	}
}

// recv delivers the messages received on sock to ch until the socket is
// closed. A message that fails its signature check or does not parse is
// dropped and reported on s.protoErr.
func (s *session) recv(sock zmq4.Socket, ch chan<- *message, name string) {
	for {
		zm, err := sock.Recv()
		if err != nil {
			// Closed by us, or the kernel went away; the process
			// watcher says why.
			return
		}
		m, err := decode(s.key, zm.Frames)
		if err != nil {
			select {
			case s.protoErr <- fmt.Errorf("%s channel: %w", name, err):
			default:
			}
			continue
		}
		select {
		case ch <- m:
		case <-s.ctx.Done():
			return
		}
	}
}

// send signs and sends m on sock.
func (s *session) send(sock zmq4.Socket, m *message) error {
	frames, err := encode(s.key, m)
	if err != nil {
		return err
	}
	return sock.SendMulti(zmq4.NewMsgFrom(frames...))
}

// request sends a new message of type msgType on sock and returns its id.
func (s *session) request(sock zmq4.Socket, msgType string, content any) (string, error) {
	m, err := newMessage(s.id, msgType, content)
	if err != nil {
		return "", err
	}
	if err := s.send(sock, m); err != nil {
		return "", fmt.Errorf("send %s: %w", msgType, err)
	}
	return m.Header.MsgID, nil
}

// interrupt asks the kernel to interrupt the running cell, the way its spec
// says: an interrupt_request on control, or SIGINT to its process group.
func (s *session) interrupt() error {
	if s.interruptMode == "message" {
		_, err := s.request(s.control, "interrupt_request", struct{}{})
		return err
	}
	return syscall.Kill(-s.pgid, syscall.SIGINT)
}

// hasExited reports whether the kernel process has exited.
func (s *session) hasExited() bool {
	select {
	case <-s.exited:
		return true
	default:
		return false
	}
}

// close stops the kernel: a shutdown_request and up to grace for it to
// exit, then SIGKILL to its whole process group, so no cell program or
// build outlives it. Then it closes the sockets and removes the session's
// directory. It is safe to call more than once.
func (s *session) close(grace time.Duration) {
	s.closeOnce.Do(func() {
		if s.cmd != nil && s.cmd.Process != nil {
			if grace > 0 && !s.hasExited() && s.control != nil {
				if _, err := s.request(s.control, "shutdown_request", map[string]bool{"restart": false}); err == nil {
					select {
					case <-s.exited:
					case <-time.After(grace):
					}
				}
			}
			_ = syscall.Kill(-s.pgid, syscall.SIGKILL)
			<-s.exited
		}
		if s.cancel != nil {
			s.cancel()
			for _, sock := range []zmq4.Socket{s.shell, s.control, s.iopub} {
				_ = sock.Close()
			}
		}
		s.release()
	})
}

// deathError describes the exit of the kernel process.
func (s *session) deathError(when string) error {
	return fmt.Errorf("the kernel process exited (%v) %s%s", s.exitErr, when, s.logTail())
}

// ansiPattern matches terminal colour and cursor sequences.
var ansiPattern = regexp.MustCompile(`\x1b\[[0-9;?]*[a-zA-Z]`)

// stripANSI removes terminal escape sequences from s.
func stripANSI(s string) string { return ansiPattern.ReplaceAllString(s, "") }

// logTail returns the last lines of the kernel's own log (its stdout and
// stderr), indented, for error messages.
func (s *session) logTail() string {
	data, err := os.ReadFile(s.logPath)
	if err != nil || len(bytes.TrimSpace(data)) == 0 {
		return ""
	}
	return "\nlast lines of the kernel's log:\n" + indent(lastLines(stripANSI(string(data)), 15))
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// indent prefixes each line of s with four spaces.
func indent(s string) string {
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}
