package logo

import (
	"image/color"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/tdewolff/canvas"
	"golang.org/x/image/colornames"
)

// The attribute values PNG reads, parsed as browsers do: a value that does
// not parse is ignored (ok false), so the property keeps its inherited or
// default value instead of failing the whole logo.

// numbers reads a list of numbers separated by white space and/or a comma,
// as in points="…" and transform arguments. Numbers may follow each other
// without a separator when the sign or a second point tells where the next
// one starts ("10-5", "0.5.5").
func numbers(s string) ([]float64, bool) {
	var out []float64
	i := 0
	for {
		for i < len(s) && (s[i] == ',' || isSpace(s[i])) {
			i++
		}
		if i == len(s) {
			return out, true
		}
		x, n := numberPrefix(s[i:])
		if n == 0 {
			return out, false
		}
		out = append(out, x)
		i += n
	}
}

// numberPrefix reads the finite number at the start of s and its length,
// 0 when there is none.
func numberPrefix(s string) (float64, int) {
	n := scanNumber(s)
	if n == 0 {
		return 0, 0
	}
	x, err := strconv.ParseFloat(s[:n], 64)
	if err != nil || math.IsInf(x, 0) || math.IsNaN(x) {
		return 0, 0
	}
	return x, n
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }

// scanNumber returns the length of the number at the start of s, 0 if none.
func scanNumber(s string) int {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			digits++
		}
	}
	if digits == 0 {
		return 0
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		if j < len(s) && s[j] >= '0' && s[j] <= '9' {
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			i = j
		}
	}
	return i
}

// cssPixels are the absolute units of CSS, in user units (CSS pixels).
var cssPixels = map[string]float64{
	"": 1, "px": 1, "pt": 96.0 / 72, "pc": 16, "mm": 96 / 25.4, "cm": 96 / 2.54, "in": 96, "q": 96 / 25.4 / 4,
}

// length reads a length in user units; a percentage is of ref.
func length(s string, ref float64) (float64, bool) {
	s = strings.TrimSpace(s)
	x, n := numberPrefix(s)
	if n == 0 {
		return 0, false
	}
	unit := strings.ToLower(s[n:])
	if unit == "%" {
		return x * ref / 100, true
	}
	k, ok := cssPixels[unit]
	return x * k, ok
}

// fraction reads an opacity or a gradient stop offset: a number or a
// percentage, clamped to 0…1.
func fraction(s string) (float64, bool) {
	x, ok := length(s, 1)
	if !ok {
		return 0, false
	}
	return min(max(x, 0), 1), true
}

// parseColor reads a CSS colour: #rgb, #rgba, #rrggbb, #rrggbbaa, rgb(),
// rgba(), "transparent" or a named colour.
func parseColor(s string) (color.NRGBA, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if h, ok := strings.CutPrefix(s, "#"); ok {
		return hexColor(h)
	}
	if s == "transparent" {
		return color.NRGBA{}, true
	}
	if c, ok := colornames.Map[s]; ok {
		return color.NRGBA(c), true
	}
	args, ok := strings.CutPrefix(s, "rgba(")
	if !ok {
		args, ok = strings.CutPrefix(s, "rgb(")
	}
	args, closed := strings.CutSuffix(args, ")")
	if !ok || !closed {
		return color.NRGBA{}, false
	}
	f := strings.FieldsFunc(args, func(r rune) bool { return r == ',' || r == '/' || r == ' ' || r == '\t' })
	if len(f) != 3 && len(f) != 4 {
		return color.NRGBA{}, false
	}
	var c [4]uint8
	c[3] = 255
	for i, v := range f {
		var x float64
		if i == 3 {
			a, ok := fraction(v)
			if !ok {
				return color.NRGBA{}, false
			}
			x = a * 255
		} else if x, ok = length(v, 255); !ok || strings.HasSuffix(v, "px") {
			return color.NRGBA{}, false
		}
		c[i] = uint8(math.Round(min(max(x, 0), 255)))
	}
	return color.NRGBA{c[0], c[1], c[2], c[3]}, true
}

func hexColor(h string) (color.NRGBA, bool) {
	v, err := strconv.ParseUint(h, 16, 32)
	if err != nil {
		return color.NRGBA{}, false
	}
	nibble := func(shift int) uint8 { return uint8(v>>shift&0xf) * 0x11 }
	octet := func(shift int) uint8 { return uint8(v >> shift) }
	switch len(h) {
	case 3:
		return color.NRGBA{nibble(8), nibble(4), nibble(0), 255}, true
	case 4:
		return color.NRGBA{nibble(12), nibble(8), nibble(4), nibble(0)}, true
	case 6:
		return color.NRGBA{octet(16), octet(8), octet(0), 255}, true
	case 8:
		return color.NRGBA{octet(24), octet(16), octet(8), octet(0)}, true
	}
	return color.NRGBA{}, false
}

// transformArity is how many arguments each transform function takes.
var transformArity = map[string][]int{
	"matrix": {6}, "translate": {1, 2}, "scale": {1, 2}, "rotate": {1, 3}, "skewX": {1}, "skewY": {1},
}

// parseTransform reads a transform list. A list with an error is ignored
// whole, as browsers do.
func parseTransform(s string) (canvas.Matrix, bool) {
	m := canvas.Identity
	rest := strings.TrimSpace(s)
	for rest != "" {
		name, after, ok := strings.Cut(rest, "(")
		if !ok {
			return canvas.Identity, false
		}
		args, after, ok := strings.Cut(after, ")")
		if !ok {
			return canvas.Identity, false
		}
		a, ok := numbers(args)
		name = strings.TrimSpace(name)
		if !ok || !slices.Contains(transformArity[name], len(a)) {
			return canvas.Identity, false
		}
		switch name {
		case "matrix":
			m = m.Mul(canvas.Matrix{{a[0], a[2], a[4]}, {a[1], a[3], a[5]}})
		case "translate":
			ty := 0.0
			if len(a) == 2 {
				ty = a[1]
			}
			m = m.Translate(a[0], ty)
		case "scale":
			sy := a[0]
			if len(a) == 2 {
				sy = a[1]
			}
			m = m.Scale(a[0], sy)
		case "rotate":
			if len(a) == 3 {
				m = m.RotateAbout(a[0], a[1], a[2])
			} else {
				m = m.Rotate(a[0])
			}
		case "skewX":
			m = m.Shear(math.Tan(a[0]*math.Pi/180), 0)
		case "skewY":
			m = m.Shear(0, math.Tan(a[0]*math.Pi/180))
		}
		rest = strings.TrimLeft(after, " \t\n\r\f,")
	}
	return m, true
}

// viewBoxMatrix maps a viewBox onto the viewport x, y, w, h as
// preserveAspectRatio par says ("xMidYMid meet" when empty). slice reports
// whether the drawing overflows the viewport and must be clipped to it.
func viewBoxMatrix(vb [4]float64, x, y, w, h float64, par string) (m canvas.Matrix, slice bool) {
	sx, sy := w/vb[2], h/vb[3]
	f := strings.Fields(par)
	align := "xMidYMid"
	if len(f) > 0 {
		align = f[0]
	}
	if align == "none" {
		return canvas.Identity.Translate(x, y).Scale(sx, sy).Translate(-vb[0], -vb[1]), false
	}
	slice = len(f) > 1 && f[1] == "slice"
	s := min(sx, sy)
	if slice {
		s = max(sx, sy)
	}
	dx, dy := w-vb[2]*s, h-vb[3]*s
	switch {
	case strings.HasPrefix(align, "xMin"):
		dx = 0
	case strings.HasPrefix(align, "xMid"):
		dx /= 2
	}
	switch {
	case strings.HasSuffix(align, "YMin"):
		dy = 0
	case strings.HasSuffix(align, "YMid"):
		dy /= 2
	}
	return canvas.Identity.Translate(x+dx, y+dy).Scale(s, s).Translate(-vb[0], -vb[1]), slice
}
