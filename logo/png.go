package logo

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"runtime"
	"time"
)

// Bounds of a PNG rendering.
const (
	MinPNGWidth = 16
	MaxPNGWidth = 4096

	pngTimeout = 20 * time.Second
)

// painting bounds how many logos are painted at once: each takes a core
// and, at the largest width, tens of megabytes.
var painting = make(chan struct{}, runtime.NumCPU())

// PNG paints the logo of the group called name as a PNG image width pixels
// wide, its height following the aspect ratio (Width×Height). It is the
// same drawing as SVG's, except where the embedded font cannot draw the
// name: short is the group's short name, one of the forms it may then show
// instead (see drawableName). It gives up when ctx is done or after 20
// seconds. Painting costs milliseconds of CPU: callers should cache the
// result.
func PNG(ctx context.Context, name, short string, v Variant, art Artwork, width int) ([]byte, error) {
	if width < MinPNGWidth || width > MaxPNGWidth {
		return nil, fmt.Errorf("logo: PNG width %d outside %d…%d", width, MinPNGWidth, MaxPNGWidth)
	}
	text, a, err := prepare(name, art)
	if err != nil {
		return nil, err
	}
	root, err := drawing(drawableName(text, short), v, a)
	if err != nil {
		return nil, err
	}
	// Checked first: a select with a free slot and a done context picks
	// either at random.
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	select {
	case painting <- struct{}{}:
		defer func() { <-painting }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	ctx, cancel := context.WithTimeout(ctx, pngTimeout)
	defer cancel()
	height := (width*Height + Width/2) / Width
	img, err := safePaint(ctx, root, width, height, float64(width)/Width)
	if err != nil {
		return nil, fmt.Errorf("logo: painting the PNG: %w", err)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// safePaint paints root, turning a panic that painting let through (see
// guard) into an error that the server can answer, instead of the request
// being cut off.
func safePaint(ctx context.Context, root *node, width, height int, scale float64) (img *image.RGBA, err error) {
	defer func() {
		if r := recover(); r != nil {
			img, err = nil, fmt.Errorf("%v", r)
		}
	}()
	return paintTree(ctx, root, width, height, scale)
}
