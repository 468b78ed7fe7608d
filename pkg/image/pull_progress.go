package image

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"go.podman.io/image/v5/types"
	"golang.org/x/term"
)

// layerProgress shows the blobs storeLayers fetches as copy.Image shows
// the blobs it copies: on a terminal a bar per blob with its bytes and
// speed, elsewhere a "Copying blob sha256:..." line per blob; and it sends
// each blob's events on the Layers channel, as copy.Image does.
type layerProgress struct {
	mu   sync.Mutex    // blobs start from several downloads at once
	w    io.Writer     // nil: nothing is written
	pool *mpb.Progress // the bars, on a terminal
	ch   chan types.ProgressProperties
}

func newLayerProgress(w io.Writer, ch chan types.ProgressProperties) *layerProgress {
	lp := &layerProgress{w: w, ch: ch}
	if isTerminal(w) {
		lp.pool = mpb.New(mpb.WithWidth(40), mpb.WithOutput(w))
	}
	return lp
}

// isTerminal is containers/image's test for drawing bars: a terminal's
// *os.File (a wrapped one is a way to ask for lines).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// wait lets the last bars be drawn; every bar must be done or aborted.
func (lp *layerProgress) wait() {
	if lp.pool != nil {
		lp.pool.Wait()
	}
}

// reused says a layer was already in storage.
func (lp *layerProgress) reused(blob types.BlobInfo) {
	switch {
	case lp.pool != nil:
		bar := lp.pool.New(0, mpb.NopStyle(), mpb.PrependDecorators(decor.Name(barPrefix(blob)+" skipped: already exists")))
		bar.SetTotal(-1, true)
	case lp.w != nil:
		lp.line(blob)
	}
	lp.send(types.ProgressProperties{Event: types.ProgressEventSkipped, Artifact: blob})
}

// start shows a blob being fetched.
func (lp *layerProgress) start(blob types.BlobInfo) *blobProgress {
	bp := &blobProgress{lp: lp, blob: blob, last: time.Now()}
	switch {
	case lp.pool != nil:
		prefix := barPrefix(blob)
		bp.bar = lp.pool.AddBar(blob.Size, mpb.BarFillerClearOnComplete(),
			mpb.PrependDecorators(decor.OnComplete(decor.Name(prefix), prefix+" done")),
			mpb.AppendDecorators(
				decor.OnComplete(decor.CountersKibiByte("%.1f / %.1f"), ""),
				decor.OnComplete(decor.AverageSpeed(decor.SizeB1024(0), " | % .1f"), "")))
	case lp.w != nil:
		lp.line(blob)
	}
	lp.send(types.ProgressProperties{Event: types.ProgressEventNewArtifact, Artifact: blob})
	return bp
}

// line says a blob is being copied, on a line of its own.
func (lp *layerProgress) line(blob types.BlobInfo) {
	lp.mu.Lock()
	defer lp.mu.Unlock()
	fmt.Fprintf(lp.w, "Copying blob %s\n", blob.Digest)
}

func (lp *layerProgress) send(e types.ProgressProperties) {
	if lp.ch != nil {
		lp.ch <- e
	}
}

// barPrefix names a blob as containers/image's bars do, by the first 12
// digits of its digest, so that the bars line up.
func barPrefix(blob types.BlobInfo) string {
	return "Copying blob " + blob.Digest.Encoded()[:12]
}

// blobProgress follows one blob being read.
type blobProgress struct {
	lp   *layerProgress
	blob types.BlobInfo
	bar  *mpb.Bar // nil without a terminal
	read uint64   // bytes read so far
	sent uint64   // bytes reported on the channel
	last time.Time
}

// reader returns r, counting what is read from it on the bar and the
// channel (at most every layerProgressInterval there, as copy.Image).
func (bp *blobProgress) reader(r io.Reader) io.Reader {
	return readFunc(func(b []byte) (int, error) {
		n, err := r.Read(b)
		bp.read += uint64(n)
		if bp.bar != nil {
			bp.bar.IncrBy(n)
		}
		if bp.lp.ch != nil && time.Since(bp.last) > layerProgressInterval(bp.lp.ch) {
			bp.report(types.ProgressEventRead)
		}
		return n, err
	})
}

func (bp *blobProgress) report(event types.ProgressEvent) {
	bp.lp.send(types.ProgressProperties{Event: event, Artifact: bp.blob, Offset: bp.read, OffsetUpdate: bp.read - bp.sent})
	bp.sent, bp.last = bp.read, time.Now()
}

func (bp *blobProgress) done() {
	if bp.bar != nil {
		bp.bar.SetCurrent(bp.blob.Size)
	}
	bp.report(types.ProgressEventDone)
}

// abort leaves a failed blob's bar where it stopped.
func (bp *blobProgress) abort() {
	if bp.bar != nil {
		bp.bar.Abort(false)
	}
}

type readFunc func([]byte) (int, error)

func (f readFunc) Read(b []byte) (int, error) { return f(b) }

// copyReport is what copy.Image reports to once storeLayers has stored
// the layers and said so: copy.Image would add "skipped: already exists"
// for each, which after a bar that just fetched it is untrue. It gets the
// pull's writer as lines with its "Copying blob" lines left out (bars
// cannot be filtered: they redraw lines already written), so the config
// and manifest lines still show; and a channel that forwards its events
// but the skips. finish must be called once copy.Image has returned.
func (p *puller) copyReport() (io.Writer, chan types.ProgressProperties, func()) {
	var w io.Writer
	lines := &blobLinesLeftOut{w: p.opts.Progress}
	if p.opts.Progress != nil {
		w = lines
	}
	if p.opts.Layers == nil {
		return w, nil, lines.flush
	}
	ch, forwarded := make(chan types.ProgressProperties), make(chan struct{})
	go func() {
		defer close(forwarded)
		for e := range ch {
			if e.Event != types.ProgressEventSkipped {
				p.opts.Layers <- e
			}
		}
	}()
	// copy.Image sends from its own goroutines but waits for them all
	// before it returns: closing the channel after it is safe.
	return w, ch, func() { lines.flush(); close(ch); <-forwarded }
}

// blobLinesLeftOut writes copy.Image's report lines but its "Copying
// blob" ones. It is no *os.File, so copy.Image writes lines, not bars.
// copy.Image writes from each layer's goroutine at once.
type blobLinesLeftOut struct {
	mu   sync.Mutex
	w    io.Writer
	part []byte // an unfinished line
}

func (f *blobLinesLeftOut) Write(b []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.part = append(f.part, b...)
	for {
		i := bytes.IndexByte(f.part, '\n')
		if i < 0 {
			return len(b), nil
		}
		line := f.part[:i+1]
		f.part = f.part[i+1:]
		if bytes.HasPrefix(line, []byte("Copying blob ")) {
			continue
		}
		if _, err := f.w.Write(line); err != nil {
			return len(b), err
		}
	}
}

// flush writes what is left of a line without its newline.
func (f *blobLinesLeftOut) flush() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.w != nil && len(f.part) > 0 {
		f.w.Write(f.part) //nolint:errcheck // progress output, best effort
		f.part = nil
	}
}
