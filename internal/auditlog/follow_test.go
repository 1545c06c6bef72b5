package auditlog

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// follower runs Follow on path and reports each callback on a channel.
func follower(t *testing.T, path string, opts FollowOptions) (<-chan string, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan string, 100)
	done := make(chan error, 1)
	opts.Poll = 5 * time.Millisecond
	go func() {
		done <- Follow(ctx, path, opts,
			func(r Record) error { got <- fmt.Sprintf("%d:%s", r.Line, r.Event.AuditID); return nil },
			func(e LineError) { got <- e.Error() })
	}()
	return got, func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Follow: %v", err)
		}
	}
}

func expect(t *testing.T, got <-chan string, want ...string) {
	t.Helper()
	for _, w := range want {
		select {
		case g := <-got:
			if g != w {
				t.Fatalf("got %q, want %q", g, w)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("timed out waiting for %q", w)
		}
	}
	select {
	case g := <-got:
		t.Fatalf("unexpected %q", g)
	case <-time.After(50 * time.Millisecond):
	}
}

func appendTo(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

func TestFollow(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.log")
	got, stop := follower(t, path, FollowOptions{})
	defer stop()

	// The file appears later; what it holds is read.
	appendTo(t, path, line("a")+"\n"+line("b")+"\n")
	expect(t, got, "1:a", "2:b")

	// A partial line waits for its newline.
	l := line("c")
	appendTo(t, path, l[:40])
	expect(t, got)
	appendTo(t, path, l[40:]+"\nnot json\n")
	expect(t, got, "3:c", "line 4: invalid JSON: invalid character 'o' in literal null (expecting 'u')")

	// Rotation as the log backend does it: the last lines of the old file,
	// rename, a new file. The old file is finished before the new one starts.
	appendTo(t, path, line("d")+"\n")
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	appendTo(t, path, line("e")+"\n")
	expect(t, got, "5:d", "1:e")

	// Truncation in place (copytruncate): read from the start again.
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	time.Sleep(30 * time.Millisecond)
	appendTo(t, path, line("f")+"\n")
	expect(t, got, "1:f")
}

func TestFollowFromEnd(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	appendTo(t, path, line("old")+"\n")
	got, stop := follower(t, path, FollowOptions{FromEnd: true})
	defer stop()
	time.Sleep(30 * time.Millisecond)
	appendTo(t, path, line("new")+"\n")
	expect(t, got, "1:new")
}

func TestHandler(t *testing.T) {
	var got []string
	emitErr := error(nil)
	srv := httptest.NewServer(Handler(
		func(r Record) error {
			got = append(got, fmt.Sprintf("%d:%s", r.Line, r.Event.AuditID))
			return emitErr
		},
		func(e LineError) { got = append(got, e.Error()) }))
	defer srv.Close()
	post := func(body string) *http.Response {
		t.Helper()
		resp, err := http.Post(srv.URL+"/audit", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}

	list := "{\"kind\":\"EventList\",\"apiVersion\":\"audit.k8s.io/v1\",\"items\":[\n" + line("a") + ",\n{\"kind\":\"Event\"},\n" + line("b") + "]}"
	resp := post(list)
	want := []string{"2:a", "line 3: not an audit event: no stage", "4:b"}
	if resp.StatusCode != 200 || resp.Header.Get("X-Palisade-Rejected-Events") != "1" || strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("status %d, rejected %q, got %q; want 200, 1, %q", resp.StatusCode, resp.Header.Get("X-Palisade-Rejected-Events"), got, want)
	}

	// When events cannot be taken, the API server is asked to retry.
	emitErr = errors.New("shutting down")
	if resp := post(list); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("refused batch: status %d, want 503", resp.StatusCode)
	}
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "POST" {
		t.Errorf("GET: status %d allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
}
