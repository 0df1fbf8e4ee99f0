package logo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// ErrNoRasterizer is returned by PNG when rsvg-convert is not installed
// (Debian package librsvg2-bin).
var ErrNoRasterizer = errors.New("logo: rsvg-convert not found (install librsvg2-bin)")

// Bounds of a PNG rendering.
const (
	MinPNGWidth = 16
	MaxPNGWidth = 4096

	pngTimeout  = 20 * time.Second
	maxPNGBytes = 32 << 20
)

// rasterizers bounds how many rsvg-convert processes run at once, so that a
// burst of uncached requests cannot fork without limit.
var rasterizers = make(chan struct{}, max(2, runtime.NumCPU()))

// PNG rasterizes an SVG (as made by SVG) to a PNG width pixels wide, the
// height following the aspect ratio, with rsvg-convert. It gives up after
// 20 seconds or when ctx is done, and refuses output larger than 32 MiB.
// Rendering costs a process: callers should cache the result.
func PNG(ctx context.Context, svg []byte, width int) ([]byte, error) {
	if width < MinPNGWidth || width > MaxPNGWidth {
		return nil, fmt.Errorf("logo: PNG width %d outside %d…%d", width, MinPNGWidth, MaxPNGWidth)
	}
	bin, err := exec.LookPath("rsvg-convert")
	if err != nil {
		return nil, ErrNoRasterizer
	}
	select {
	case rasterizers <- struct{}{}:
		defer func() { <-rasterizers }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	ctx, cancel := context.WithTimeout(ctx, pngTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--width", strconv.Itoa(width), "--keep-aspect-ratio", "--format", "png")
	cmd.Stdin = bytes.NewReader(svg)
	stdout := &limitedBuffer{max: maxPNGBytes}
	stderr := &limitedBuffer{max: 4 << 10, truncate: true}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.WaitDelay = time.Second
	err = cmd.Run()
	switch {
	case stdout.overflow:
		return nil, fmt.Errorf("logo: rsvg-convert output larger than %d bytes", maxPNGBytes)
	case ctx.Err() != nil:
		return nil, fmt.Errorf("logo: rsvg-convert: %w", ctx.Err())
	case err != nil:
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return nil, fmt.Errorf("logo: rsvg-convert: %s", msg)
	case !bytes.HasPrefix(stdout.Bytes(), []byte("\x89PNG\r\n\x1a\n")):
		return nil, errors.New("logo: rsvg-convert did not write a PNG")
	}
	return stdout.Bytes(), nil
}

// limitedBuffer keeps at most max bytes. Past that it fails the write (so
// that the process is not waited on for ever) or, with truncate, drops the
// rest.
type limitedBuffer struct {
	bytes.Buffer
	max      int
	truncate bool
	overflow bool
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); len(p) > room {
		b.overflow = true
		if !b.truncate {
			return 0, errors.New("output too large")
		}
		if room > 0 {
			b.Buffer.Write(p[:room])
		}
		return len(p), nil
	}
	return b.Buffer.Write(p)
}
