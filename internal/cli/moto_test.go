package cli

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// TestMain stops the emulators the tests started.
func TestMain(m *testing.M) {
	code := m.Run()
	stopMoto()
	os.Exit(code)
}

// motoServers are the moto servers this test binary runs, one per value of
// MOTO_ECS_SERVICE_RUNNING: moto reads that setting from its own
// environment when a service is created, so a test asking for another
// running count needs another server. Starting moto costs seconds of
// Python imports; tests share a server and reset its state instead.
var motoServers = struct {
	sync.Mutex
	installed *bool
	byECS     map[string]*motoServer
}{byECS: map[string]*motoServer{}}

type motoServer struct {
	url string
	cmd *exec.Cmd
	dir string // holds the server's log
}

// startMoto returns the URL of a moto server (an AWS emulator written by
// others) on a free loopback port, with nothing in it but what moto starts
// with: a server an earlier test used is reset. It skips the test, loudly,
// only when moto is not installed.
func startMoto(t *testing.T) string {
	t.Helper()
	motoServers.Lock()
	defer motoServers.Unlock()
	if motoServers.installed == nil {
		ok := exec.Command("python3", "-c", "import moto.server").Run() == nil
		motoServers.installed = &ok
	}
	if !*motoServers.installed {
		t.Skip("SKIPPED: moto is not installed (python3 -c 'import moto' failed); the emulator integration test did not run")
	}
	ecsRunning := os.Getenv("MOTO_ECS_SERVICE_RUNNING")
	if s := motoServers.byECS[ecsRunning]; s != nil {
		resp, err := http.Post(s.url+"/moto-api/reset", "application/json", nil)
		if err != nil {
			t.Fatalf("reset moto: %v", err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("reset moto: %s", resp.Status)
		}
		return s.url
	}
	s, err := launchMoto()
	if err != nil {
		t.Fatal(err)
	}
	motoServers.byECS[ecsRunning] = s
	return s.url
}

// launchMoto starts a moto server with this process's environment.
func launchMoto() (*motoServer, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dir, err := os.MkdirTemp("", "moto")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("python3", "-m", "moto.server", "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	// moto's built-in AMIs come with a thousand snapshots it reports as the
	// caller's own; a real account has none of them.
	cmd.Env = append(os.Environ(), "MOTO_EC2_LOAD_DEFAULT_AMIS=false")
	logf, err := os.Create(filepath.Join(dir, "moto.log"))
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &motoServer{url: fmt.Sprintf("http://127.0.0.1:%d", port), cmd: cmd, dir: dir}
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(s.url + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			return s, nil
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(logf.Name())
			s.stop()
			return nil, fmt.Errorf("moto did not start on %s: %w\n%s", s.url, err, b)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (s *motoServer) stop() {
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	_ = os.RemoveAll(s.dir)
}

func stopMoto() {
	motoServers.Lock()
	defer motoServers.Unlock()
	for k, s := range motoServers.byECS {
		s.stop()
		delete(motoServers.byECS, k)
	}
}
