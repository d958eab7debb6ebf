package card

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strconv"
	"sync"
	"time"
	"unicode"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"

	"github.com/wxdigest/wxdigest/digest"
)

// Layout, in pixels of the 1080-wide card, which a phone shows at about
// a third of that in CSS pixels. Sizes are for older eyes: the reading
// text is 44 px (about 15 CSS px), titles 52, and nothing is under 36.
const (
	cardWidth = 1080
	margin    = 64
	// MaxHeight bounds a card before anything is allocated: a card made of
	// a malformed ledger row must not take the process's memory.
	MaxHeight = 20000

	headTitleSize = 72
	headDateSize  = 40
	headPadTop    = 52
	headGap       = 14
	headPadBottom = 48

	badgeSize    = 36 // the item number
	badgeHeight  = 60
	badgeGap     = 22
	titleSize    = 52
	leadSize     = 44
	titleLeadGap = 10
	itemGap      = 30 // above and below the rule between items
	bodyPadTop   = 44

	footerSize   = 36
	footerPad    = 36
	footerMargin = 40 // between the last item and the footer band
)

// shades is the number of anti-aliasing levels per ink: 15 steps keep
// edges smooth at these sizes and the palette small.
const shades = 15

// ink is one text colour on one background. Its palette entries are
// shades blends from just above the background to the full colour.
type ink int

const (
	inkHeadTitle ink = iota
	inkHeadDate
	inkBadge
	inkBadgeNum
	inkTitle
	inkLead
	inkFooter
	numInks
)

// Solid fills come first in the palette.
const (
	solidWhite uint8 = iota
	solidHead
	solidRule
	solidFooter
	numSolids
)

// palette is the card's colour table: solids, then shades per ink. It is
// built once per Renderer and never changed.
type palette color.Palette

func newPalette() palette {
	// A red 早报 masthead, near-black titles, softer leads.
	var (
		colWhite     = color.RGBA{0xff, 0xff, 0xff, 0xff}
		colHead      = color.RGBA{0xb7, 0x1c, 0x1c, 0xff}
		colHeadDate  = color.RGBA{0xff, 0xe4, 0xe0, 0xff}
		colBadge     = color.RGBA{0xc6, 0x28, 0x28, 0xff}
		colTitle     = color.RGBA{0x1a, 0x1a, 0x1a, 0xff}
		colLead      = color.RGBA{0x42, 0x42, 0x42, 0xff}
		colRule      = color.RGBA{0xe3, 0xe3, 0xe3, 0xff}
		colFooterBg  = color.RGBA{0xf4, 0xf1, 0xec, 0xff}
		colFooterInk = color.RGBA{0x5d, 0x5d, 0x5d, 0xff}
	)
	p := palette{colWhite, colHead, colRule, colFooterBg}
	pairs := [numInks][2]color.RGBA{
		inkHeadTitle: {colWhite, colHead},
		inkHeadDate:  {colHeadDate, colHead},
		inkBadge:     {colBadge, colWhite},
		inkBadgeNum:  {colWhite, colBadge},
		inkTitle:     {colTitle, colWhite},
		inkLead:      {colLead, colWhite},
		inkFooter:    {colFooterInk, colFooterBg},
	}
	for _, pr := range pairs {
		fg, bg := pr[0], pr[1]
		for l := 1; l <= shades; l++ {
			mix := func(a, b uint8) uint8 { return uint8((int(a)*l + int(b)*(shades-l) + shades/2) / shades) }
			p = append(p, color.RGBA{mix(fg.R, bg.R), mix(fg.G, bg.G), mix(fg.B, bg.B), 0xff})
		}
	}
	return p
}

// inkBase is the palette index of ink k's lightest shade.
func inkBase(k ink) uint8 { return numSolids + uint8(k)*shades }

// style is one face at one size.
type style int

const (
	styHeadTitle style = iota
	styHeadDate
	styBadge
	styTitle
	styLead
	styFooter
	numStyles
)

// glyph is a rasterised glyph: its coverage relative to the dot at an
// integer pixel position.
type glyph struct {
	off  image.Point // top-left of the mask relative to the dot
	w, h int
	pix  []uint8 // nil for a rune the font lacks: it is skipped, not boxed
}

// faceCache is one face with the advances and glyphs drawn so far.
type faceCache struct {
	face    font.Face
	ascent  fixed.Int26_6
	descent fixed.Int26_6
	advance map[rune]fixed.Int26_6
	glyphs  map[rune]*glyph
}

// maxCached bounds each face's caches; beyond it a cache starts afresh (a day's cards use a few hundred distinct characters).
const maxCached = 4000

// faceSet is what one Render uses; sets are pooled in the Renderer so the
// glyph caches live across cards without being shared between goroutines.
type faceSet [numStyles]*faceCache

func (r *Renderer) newFaceSet() (*faceSet, error) {
	specs := [numStyles]struct {
		f    *sfnt.Font
		size float64
	}{
		styHeadTitle: {r.bold, headTitleSize},
		styHeadDate:  {r.regular, headDateSize},
		styBadge:     {r.bold, badgeSize},
		styTitle:     {r.bold, titleSize},
		styLead:      {r.regular, leadSize},
		styFooter:    {r.regular, footerSize},
	}
	var fs faceSet
	for i, s := range specs {
		f, err := opentype.NewFace(s.f, &opentype.FaceOptions{Size: s.size, DPI: 72, Hinting: font.HintingNone})
		if err != nil {
			return nil, fmt.Errorf("card: font: %v", err)
		}
		m := f.Metrics()
		fs[i] = &faceCache{face: f, ascent: m.Ascent, descent: m.Descent,
			advance: make(map[rune]fixed.Int26_6), glyphs: make(map[rune]*glyph)}
	}
	return &fs, nil
}

// adv is the advance of r after prev, kerning included.
func (fc *faceCache) adv(prev, r rune) fixed.Int26_6 {
	a, ok := fc.advance[r]
	if !ok {
		if len(fc.advance) >= maxCached {
			clear(fc.advance)
		}
		a, _ = fc.face.GlyphAdvance(r)
		fc.advance[r] = a
	}
	if prev >= 0 {
		a += fc.face.Kern(prev, r)
	}
	return a
}

func (fc *faceCache) glyph(r rune) *glyph {
	if g, ok := fc.glyphs[r]; ok {
		return g
	}
	if len(fc.glyphs) >= maxCached {
		clear(fc.glyphs)
	}
	dr, mask, mp, _, ok := fc.face.Glyph(fixed.Point26_6{}, r)
	g := &glyph{}
	if a, isAlpha := mask.(*image.Alpha); isAlpha && ok && !dr.Empty() {
		g.off, g.w, g.h = dr.Min, dr.Dx(), dr.Dy()
		g.pix = make([]uint8, g.w*g.h)
		for y := 0; y < g.h; y++ {
			copy(g.pix[y*g.w:(y+1)*g.w], a.Pix[a.PixOffset(mp.X, mp.Y+y):])
		}
	}
	fc.glyphs[r] = g
	return g
}

func (fc *faceCache) width(s string) fixed.Int26_6 {
	var w fixed.Int26_6
	prev := rune(-1)
	for _, r := range s {
		w += fc.adv(prev, r)
		prev = r
	}
	return w
}

// canvas draws inks into a paletted image: coverage becomes one of an
// ink's shades, so the PNG stays 8-bit and compresses well.
type canvas struct {
	img *image.Paletted
}

// blend puts coverage a (0–255) of ink k at pixel offset i. Where the ink
// is already there (touching glyphs), the darker shade wins; anything else
// is the ink's background and is painted over.
func (c *canvas) blend(i int, a uint8, k ink) {
	l := (int(a)*shades + 127) / 255
	if l == 0 {
		return
	}
	base := inkBase(k)
	v := base + uint8(l-1)
	if cur := c.img.Pix[i]; cur >= base && cur < base+shades && cur >= v {
		return
	}
	c.img.Pix[i] = v
}

// text draws s with its baseline at y, starting at x, and returns the
// pen's end. Glyphs sit on whole pixels: at these sizes that is invisible
// and it lets one raster per rune serve every position.
func (c *canvas) text(fc *faceCache, s string, x fixed.Int26_6, y int, k ink) fixed.Int26_6 {
	b := c.img.Bounds()
	prev := rune(-1)
	for _, r := range s {
		if prev >= 0 {
			x += fc.face.Kern(prev, r)
		}
		prev = r
		if !unicode.IsSpace(r) {
			g := fc.glyph(r)
			ox, oy := x.Round()+g.off.X, y+g.off.Y
			for gy := 0; gy < g.h; gy++ {
				py := oy + gy
				if py < b.Min.Y || py >= b.Max.Y {
					continue
				}
				row := g.pix[gy*g.w : (gy+1)*g.w]
				for gx, a := range row {
					px := ox + gx
					if a == 0 || px < b.Min.X || px >= b.Max.X {
						continue
					}
					c.blend(c.img.PixOffset(px, py), a, k)
				}
			}
		}
		x += fc.adv(-1, r)
	}
	return x
}

func (c *canvas) fill(r image.Rectangle, idx uint8) {
	r = r.Intersect(c.img.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := c.img.Pix[c.img.PixOffset(r.Min.X, y):c.img.PixOffset(r.Max.X, y)]
		for i := range row {
			row[i] = idx
		}
	}
}

// pill draws an anti-aliased rounded bar (a circle when w == h) of ink k.
func (c *canvas) pill(r image.Rectangle, k ink) {
	w, h := r.Dx(), r.Dy()
	rad := float32(h) / 2
	z := vector.NewRasterizer(w, h)
	const kappa = 0.5523 // cubic approximation of a quarter circle
	fw, fh := float32(w), float32(h)
	z.MoveTo(rad, 0)
	z.LineTo(fw-rad, 0)
	z.CubeTo(fw-rad+rad*kappa, 0, fw, rad-rad*kappa, fw, rad)
	z.CubeTo(fw, rad+rad*kappa, fw-rad+rad*kappa, fh, fw-rad, fh)
	z.LineTo(rad, fh)
	z.CubeTo(rad-rad*kappa, fh, 0, rad+rad*kappa, 0, rad)
	z.CubeTo(0, rad-rad*kappa, rad-rad*kappa, 0, rad, 0)
	z.ClosePath()
	mask := image.NewAlpha(image.Rect(0, 0, w, h))
	z.Draw(mask, mask.Bounds(), image.Opaque, image.Point{})
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if a := mask.Pix[y*mask.Stride+x]; a != 0 && image.Pt(r.Min.X+x, r.Min.Y+y).In(c.img.Bounds()) {
				c.blend(c.img.PixOffset(r.Min.X+x, r.Min.Y+y), a, k)
			}
		}
	}
}

// pitch is the line-to-line distance of a style: about 1.5 times the
// size, roomier for the reading text.
func pitch(s style) int {
	switch s {
	case styHeadTitle:
		return headTitleSize * 13 / 10
	case styHeadDate:
		return headDateSize * 3 / 2
	case styBadge:
		return badgeHeight
	case styTitle:
		return 76
	case styLead:
		return 70
	}
	return footerSize * 3 / 2
}

// baseline places a line of face fc in a box of the given pitch starting
// at top: the face's ascent-to-descent span is centred in the box.
func baseline(fc *faceCache, top, pitch int) int {
	span := (fc.ascent + fc.descent).Round()
	return top + (pitch-span)/2 + fc.ascent.Round()
}

// line is one laid-out line of text.
type line struct {
	s   string
	st  style
	k   ink
	x   int // left edge
	top int // top of its box
}

// layout is everything placed on the card, computed before the image is
// allocated so the height is known.
type layout struct {
	height     int
	headBottom int
	badges     []badge
	rules      []int // y of each rule between items
	footerTop  int   // 0: no footer band
	lines      []line
}

type badge struct {
	r   image.Rectangle
	num string
}

// Render draws the card as a PNG no larger than MaxBytes.
func (r *Renderer) Render(c Card) ([]byte, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	st, err := r.getState()
	if err != nil {
		return nil, err
	}
	defer r.putState(st)
	fs := st.faces

	lay, err := r.layout(c, fs)
	if err != nil {
		return nil, err
	}
	n := cardWidth * lay.height
	if cap(st.pix) < n {
		st.pix = make([]uint8, n)
	}
	pix := st.pix[:n]
	clear(pix) // index 0 is the white background
	cv := canvas{img: &image.Paletted{Pix: pix, Stride: cardWidth, Rect: image.Rect(0, 0, cardWidth, lay.height), Palette: color.Palette(r.palette)}}
	cv.fill(image.Rect(0, 0, cardWidth, lay.headBottom), solidHead)
	for _, y := range lay.rules {
		cv.fill(image.Rect(margin, y, cardWidth-margin, y+2), solidRule)
	}
	if lay.footerTop > 0 {
		cv.fill(image.Rect(0, lay.footerTop, cardWidth, lay.height), solidFooter)
	}
	for _, b := range lay.badges {
		cv.pill(b.r, inkBadge)
		fc := fs[styBadge]
		w := fc.width(b.num)
		x := fixed.I(b.r.Min.X) + (fixed.I(b.r.Dx())-w)/2
		cv.text(fc, b.num, x, baseline(fc, b.r.Min.Y, b.r.Dy()), inkBadgeNum)
	}
	for _, l := range lay.lines {
		fc := fs[l.st]
		cv.text(fc, l.s, fixed.I(l.x), baseline(fc, l.top, pitch(l.st)), l.k)
	}

	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.DefaultCompression}
	if err := enc.Encode(&buf, cv.img); err != nil {
		return nil, fmt.Errorf("card: png: %v", err)
	}
	if buf.Len() > r.maxBytes {
		return nil, fmt.Errorf("card: the picture of %s part %d is %d bytes, more than %d: split the day into more cards", c.Date, c.Part, buf.Len(), r.maxBytes)
	}
	return buf.Bytes(), nil
}

// renderState is what one Render works with; states are pooled so glyph
// caches and the pixel buffer serve the next card.
type renderState struct {
	faces *faceSet
	pix   []uint8
}

// maxPooledPix is the largest pixel buffer kept for the next card (a
// card about three screens tall); taller ones are left to the collector.
const maxPooledPix = cardWidth * 6000

func (r *Renderer) getState() (*renderState, error) {
	if st, ok := r.states.Get().(*renderState); ok {
		return st, nil
	}
	fs, err := r.newFaceSet()
	if err != nil {
		return nil, err
	}
	return &renderState{faces: fs}, nil
}

func (r *Renderer) putState(st *renderState) {
	if cap(st.pix) > maxPooledPix {
		st.pix = nil
	}
	r.states.Put(st)
}

// encoderPool lets PNG encodes reuse their compressor, which is most of
// what an encode allocates.
type encoderPool struct{ p sync.Pool }

func (e *encoderPool) Get() *png.EncoderBuffer {
	b, _ := e.p.Get().(*png.EncoderBuffer)
	return b
}

func (e *encoderPool) Put(b *png.EncoderBuffer) { e.p.Put(b) }

// badgeWidth is a round badge for one or two digits, a pill beyond.
func badgeWidth(fs *faceSet, num string) int {
	return max(badgeHeight, fs[styBadge].width(num).Ceil()+28)
}

// layout places the header, items and footer.
func (r *Renderer) layout(c Card, fs *faceSet) (*layout, error) {
	lay := &layout{}
	textW := fixed.I(cardWidth - 2*margin)
	y := headPadTop

	// Header: source and 早报, then the date (and the part).
	src := oneLine(c.Source)
	title := "新闻早报"
	if src != "" {
		title = src + " · 早报"
	}
	for _, s := range wrapLines(title, textW, fs[styHeadTitle].adv) {
		lay.lines = append(lay.lines, line{s: s, st: styHeadTitle, k: inkHeadTitle, x: margin, top: y})
		y += pitch(styHeadTitle)
	}
	y += headGap
	day, _ := time.Parse(dateLayout, c.Date) // validated
	date := digest.FormatDate(day)
	if c.Parts > 1 {
		date += "（" + strconv.Itoa(c.Part) + "/" + strconv.Itoa(c.Parts) + "）"
	}
	lay.lines = append(lay.lines, line{s: date, st: styHeadDate, k: inkHeadDate, x: margin, top: y})
	y += pitch(styHeadDate)
	y += headPadBottom
	lay.headBottom = y
	y += bodyPadTop

	if len(c.Items) == 0 {
		lay.lines = append(lay.lines, line{s: "今天暂无新闻", st: styLead, k: inkLead, x: margin, top: y})
		y += pitch(styLead)
	}
	// Titles of one card line up even when numbers grow to three digits.
	numCol := 0
	for _, it := range c.Items {
		numCol = max(numCol, badgeWidth(fs, strconv.Itoa(it.N)))
	}
	for i, it := range c.Items {
		if i > 0 {
			y += itemGap
			lay.rules = append(lay.rules, y)
			y += 2 + itemGap
		}
		num := strconv.Itoa(it.N)
		bw := badgeWidth(fs, num)
		by := y + (pitch(styTitle)-badgeHeight)/2
		lay.badges = append(lay.badges, badge{r: image.Rect(margin, by, margin+bw, by+badgeHeight), num: num})
		x := margin + numCol + badgeGap
		w := fixed.I(cardWidth - margin - x)
		title := oneLine(it.Title)
		if title == "" {
			title = noTitle
		}
		for _, s := range wrapLines(title, w, fs[styTitle].adv) {
			lay.lines = append(lay.lines, line{s: s, st: styTitle, k: inkTitle, x: x, top: y})
			y += pitch(styTitle)
		}
		if lead := oneLine(it.Lead); lead != "" {
			y += titleLeadGap
			for _, s := range wrapLines(lead, w, fs[styLead].adv) {
				lay.lines = append(lay.lines, line{s: s, st: styLead, k: inkLead, x: x, top: y})
				y += pitch(styLead)
			}
		}
		if y > MaxHeight {
			return nil, fmt.Errorf("card: the card of %s is taller than %d px: split the day into more cards", c.Date, MaxHeight)
		}
	}

	y += footerMargin
	if f := oneLine(c.Footer); f != "" {
		lay.footerTop = y
		y += footerPad
		for _, s := range wrapLines(f, textW, fs[styFooter].adv) {
			lay.lines = append(lay.lines, line{s: s, st: styFooter, k: inkFooter, x: margin, top: y})
			y += pitch(styFooter)
		}
		y += footerPad
	}
	lay.height = y
	if y > MaxHeight {
		return nil, fmt.Errorf("card: the card of %s is taller than %d px: split the day into more cards", c.Date, MaxHeight)
	}
	return lay, nil
}
