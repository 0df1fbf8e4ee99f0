package files

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"go/build"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// The S3 tests run against a real versitygw (an S3 gateway over a POSIX
// directory), started by the test on a free loopback port. .ci/run installs
// it; locally: go install github.com/versity/versitygw/cmd/versitygw@v1.8.0
const (
	gwAccess = "chapterhouse-test"
	gwSecret = "chapterhouse-test-secret"
)

type gateway struct {
	addr   string
	client *minio.Client
	n      atomic.Int64
}

var (
	gwOnce sync.Once
	gw     *gateway
	gwErr  error
	gwSkip string
	gwStop func()
)

func TestMain(m *testing.M) {
	code := m.Run()
	if gwStop != nil {
		gwStop()
	}
	os.Exit(code)
}

// startGateway starts one versitygw for the whole package, on first use.
func startGateway(t *testing.T) *gateway {
	t.Helper()
	gwOnce.Do(func() { gw, gwSkip, gwErr = launchGateway() })
	if gwSkip != "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s; CI must run the S3 tests (.ci/run installs versitygw)", gwSkip)
		}
		t.Skip(gwSkip)
	}
	if gwErr != nil {
		t.Fatal(gwErr)
	}
	return gw
}

func versitygwPath() (string, bool) {
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p, true
	}
	gopath := build.Default.GOPATH
	if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil && strings.TrimSpace(string(out)) != "" {
		gopath = strings.TrimSpace(string(out))
	}
	for _, dir := range filepath.SplitList(gopath) {
		p := filepath.Join(dir, "bin", "versitygw")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p, true
		}
	}
	return "", false
}

func launchGateway() (*gateway, string, error) {
	bin, ok := versitygwPath()
	if !ok {
		return nil, "versitygw is not installed (go install github.com/versity/versitygw/cmd/versitygw@v1.8.0)", nil
	}
	root, err := os.MkdirTemp("", "chapterhouse-versitygw-")
	if err != nil {
		return nil, "", err
	}
	var lastErr error
	// The free port is found by listening and closing, so another process
	// may take it first: try a few.
	for range 3 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, "", err
		}
		addr := ln.Addr().String()
		ln.Close()

		var out bytes.Buffer
		cmd := exec.Command(bin, "--access", gwAccess, "--secret", gwSecret, "--port", addr, "--quiet", "posix", root)
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			return nil, "", fmt.Errorf("start versitygw: %w", err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		stop := func() {
			cmd.Process.Kill()
			<-exited
			os.RemoveAll(root)
		}

		client, err := minio.New(addr, &minio.Options{Creds: credentials.NewStaticV4(gwAccess, gwSecret, ""), Region: "us-east-1"})
		if err != nil {
			stop()
			return nil, "", err
		}
		lastErr = waitReady(client, exited)
		if lastErr == nil {
			gwStop = stop
			return &gateway{addr: addr, client: client}, "", nil
		}
		stop()
		lastErr = fmt.Errorf("versitygw on %s did not start: %w\n%s", addr, lastErr, out.String())
	}
	return nil, "", lastErr
}

// waitReady polls the gateway until it answers an S3 request.
func waitReady(client *minio.Client, exited <-chan error) error {
	deadline := time.Now().Add(20 * time.Second)
	for {
		select {
		case err := <-exited:
			return fmt.Errorf("exited: %v", err)
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := client.ListBuckets(ctx)
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// newBucket makes a fresh bucket and returns its storage URL.
func (g *gateway) newBucket(t *testing.T) string {
	t.Helper()
	bucket := fmt.Sprintf("test-%d-%d", os.Getpid(), g.n.Add(1))
	if err := g.client.MakeBucket(context.Background(), bucket, minio.MakeBucketOptions{Region: "us-east-1"}); err != nil {
		t.Fatalf("make bucket: %v", err)
	}
	return fmt.Sprintf("s3://%s:%s@%s/%s?secure=false&region=us-east-1", gwAccess, gwSecret, g.addr, bucket)
}

func TestS3(t *testing.T) {
	g := startGateway(t)
	testStore(t, func(t *testing.T) Store {
		s, err := Open(context.Background(), g.newBucket(t), t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := s.(*S3); !ok {
			t.Fatalf("Open gave a %T", s)
		}
		return s
	})
}

func TestOpenS3Errors(t *testing.T) {
	g := startGateway(t)
	ctx := context.Background()

	// No region: the client asks the server.
	if _, err := Open(ctx, strings.TrimSuffix(g.newBucket(t), "&region=us-east-1"), ""); err != nil {
		t.Fatalf("without region: %v", err)
	}

	_, err := Open(ctx, fmt.Sprintf("s3://%s:%s@%s/no-such-bucket?secure=false", gwAccess, gwSecret, g.addr), "")
	if err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("missing bucket: %v", err)
	}

	bucketURL := g.newBucket(t)
	wrong := strings.Replace(bucketURL, gwSecret, "WRONGSECRET", 1)
	_, err = Open(ctx, wrong, "")
	if err == nil || strings.Contains(err.Error(), "WRONGSECRET") {
		t.Fatalf("wrong secret: %v", err)
	}
	t.Logf("wrong secret: %v", err)

	// A web server that is not S3.
	web := httptest.NewServer(http.NotFoundHandler())
	defer web.Close()
	_, err = Open(ctx, fmt.Sprintf("s3://a:b@%s/bucket?secure=false&region=us-east-1", strings.TrimPrefix(web.URL, "http://")), "")
	if err == nil || !strings.Contains(err.Error(), "S3 server") {
		t.Fatalf("not S3: %v", err)
	}

	// Nothing listens on a port that was just closed.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close()
	start := time.Now()
	_, err = Open(ctx, fmt.Sprintf("s3://%s:%s@%s/bucket?secure=false", gwAccess, gwSecret, dead), "")
	if err == nil || !strings.Contains(err.Error(), "cannot use S3 bucket") || strings.Contains(err.Error(), gwSecret) {
		t.Fatalf("unreachable: %v", err)
	}
	t.Logf("unreachable, after %s: %v", time.Since(start).Round(time.Millisecond), err)
	if time.Since(start) > openCheckTimeout+time.Second {
		t.Fatalf("Open took %s to fail", time.Since(start))
	}
}

// A multipart upload really happens above PartSize: versitygw reports the
// part count in the ETag of a multipart object ("…-3").
func TestS3LargePutIsMultipart(t *testing.T) {
	g := startGateway(t)
	ctx := context.Background()
	u := g.newBucket(t)
	s, err := Open(ctx, u, "")
	if err != nil {
		t.Fatal(err)
	}
	body := bytes.Repeat([]byte("0123456789abcdef"), (2*PartSize+100)/16)
	put(t, s, "multi.bin", body, "")
	bucket := strings.TrimPrefix(u[strings.LastIndex(u, "/"):strings.Index(u, "?")], "/")
	oi, err := g.client.StatObject(ctx, bucket, "multi.bin", minio.StatObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(oi.ETag, "-3") {
		t.Fatalf("ETag %q: not a 3-part upload", oi.ETag)
	}
	// Delete of a missing key on S3 too.
	if err := s.Delete(ctx, "multi.bin"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Stat(ctx, "multi.bin"); !errors.Is(err, ErrNotFound) {
		t.Fatal(err)
	}
}
